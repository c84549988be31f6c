"""Settings (no Textual): the typed model, TOML files and profiles, checks, paths, tokens.

- `model`: `Settings`, one documented field each; precedence, token resolution, the keymap.
- `checks`: the stdlib checks behind every field ("must be ...", did-you-mean).
- `file`: reading, merging and updating the TOML settings file, profiles, friendly problems.
- `writing`: writing the file atomically and privately (mode 0600).
- `paths`: where the settings file and the state dir live by default.
"""

from atp_tui.settings.model import (
    CHECKS,
    CLI_SOURCE,
    DEFAULTS,
    ENV_SOURCE,
    ENV_VARS,
    EVENT_TYPES,
    FIELD_NAMES,
    HIGH_PRIORITIES,
    PROFILE_ENV,
    SECRET_FIELDS,
    STARTER_CONFIG,
    TOKEN_COMMAND_TIMEOUT,
    ConfigProblem,
    Settings,
    TokenCommandError,
    bell_rings,
    did_you_mean,
    keymap_problems,
    resolve_token,
    validate_setting,
)

__all__ = [
    "CHECKS",
    "CLI_SOURCE",
    "DEFAULTS",
    "ENV_SOURCE",
    "ENV_VARS",
    "EVENT_TYPES",
    "FIELD_NAMES",
    "HIGH_PRIORITIES",
    "PROFILE_ENV",
    "SECRET_FIELDS",
    "STARTER_CONFIG",
    "TOKEN_COMMAND_TIMEOUT",
    "ConfigProblem",
    "Settings",
    "TokenCommandError",
    "bell_rings",
    "did_you_mean",
    "keymap_problems",
    "resolve_token",
    "validate_setting",
]
