"""`[quick_replies]` in the settings file (issue #14, item 5): the model, each entry's checks
and their messages, profiles, `config check` / `config show`, and saving it back."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from atp_tui.settings import STARTER_CONFIG, Settings
from atp_tui.settings.checks import QUICK_REPLY_NAME_LIMIT, QUICK_REPLY_TEXT_LIMIT
from atp_tui.settings.file import LoadedSettings, load_settings, update_settings_file
from tests.test_config_cli import run, write_config

GOOD = """\
bell = "off"
[quick_replies]
ship = "Looks good, ship it."
"not now" = "Not now: after the 10:00 freeze."
hold = '''
Hold this.
I will check the dashboards.
'''
"""


def load(path: Path, profile: str | None = None) -> LoadedSettings:
    return load_settings(config_path=path, profile=profile, env={}, cli={})


def problems(loaded: LoadedSettings) -> list[tuple[str, str]]:
    return [(problem.key, problem.message) for problem in loaded.problems]


class TestModel:
    def test_default_is_none(self) -> None:
        assert Settings().quick_replies == {}

    def test_names_are_trimmed_and_text_loses_outer_line_breaks(self) -> None:
        settings = Settings(quick_replies={" ship ": "\r\nok\r\nthen go\n", "tab": "a\tb "})
        assert settings.quick_replies == {"ship": "ok\nthen go", "tab": "a\tb "}

    @pytest.mark.parametrize(
        ("replies", "message"),
        [
            ("ship", "must be a table of name = text"),
            ({"ship": 3}, "ship: the text must be in quotes"),
            ({"": "x"}, ': the name is empty; write one before the "="'),
            ({"a": "x", " a": "y"}, " a: the name 'a' is used twice"),
            ({"a\x1bb": "x"}, "the name contains a control character (U+001B)"),
            ({"a": "x\x07"}, "the text contains a control character (U+0007); remove it"),
            ({"a": "x\r"}, "(U+000D)"),
            ({"a": "\n \n"}, "the text is empty"),
        ],
    )
    def test_bad_values_say_what_is_wrong(self, replies: object, message: str) -> None:
        with pytest.raises(ValueError, match="quick_replies: ") as error:
            Settings(quick_replies=replies)  # type: ignore[arg-type]
        assert message in str(error.value)

    def test_limits(self) -> None:
        name, text = "n" * QUICK_REPLY_NAME_LIMIT, "t" * QUICK_REPLY_TEXT_LIMIT
        assert Settings(quick_replies={name: text}).quick_replies == {name: text}
        with pytest.raises(ValueError, match="the name is 41 characters long; shorten it"):
            Settings(quick_replies={name + "n": "x"})
        with pytest.raises(ValueError, match="2001 characters long; shorten it to at most 2000"):
            Settings(quick_replies={"a": text + "t"})


class TestFile:
    def test_reads_the_table_in_order(self, tmp_path: Path) -> None:
        loaded = load(write_config(tmp_path / "c.toml", GOOD))
        assert loaded.problems == []
        assert list(loaded.settings.quick_replies.items()) == [
            ("ship", "Looks good, ship it."),
            ("not now", "Not now: after the 10:00 freeze."),
            ("hold", "Hold this.\nI will check the dashboards."),
        ]
        assert loaded.sources["quick_replies"] == "file"

    def test_each_bad_entry_is_dropped_alone_and_named(self, tmp_path: Path) -> None:
        text = (
            "[quick_replies]\n"
            'ok = "fine"\n'
            "num = 3\n"
            '"" = "no name"\n'
            '"with space" = "\\u001b[2J"\n'
            'table = { text = "x" }\n'
            '" ok" = "again"\n'
            f'long = "{"x" * 2001}"\n'
        )
        loaded = load(write_config(tmp_path / "c.toml", text))
        assert loaded.settings.quick_replies == {"ok": "fine"}
        assert problems(loaded) == [
            (
                "quick_replies.num",
                'the text must be in quotes, e.g. ship = "Looks good, ship it." (got 3)',
            ),
            (
                'quick_replies.""',
                'the name is empty; write one before the "=", e.g. ship = "Looks good, ship it."',
            ),
            (
                'quick_replies."with space"',
                "the text contains a control character (U+001B); remove it (line breaks and "
                "tabs are fine)",
            ),
            (
                "quick_replies.table",
                'the text must be in quotes, e.g. ship = "Looks good, ship it." '
                "(got {'text': 'x'})",
            ),
            ('quick_replies." ok"', "'ok' is used above; rename or remove one"),
            (
                "quick_replies.long",
                "the text is 2001 characters long; shorten it to at most 2000",
            ),
        ]

    def test_not_a_table(self, tmp_path: Path) -> None:
        loaded = load(write_config(tmp_path / "c.toml", 'quick_replies = "ship it"\n'))
        assert loaded.settings.quick_replies == {}
        [(key, message)] = problems(loaded)
        assert key == "quick_replies"
        assert message.startswith("must be a table of name = text: a [quick_replies] line")
        assert message.endswith("using the default")

    def test_a_profile_table_replaces_the_top_level_one(self, tmp_path: Path) -> None:
        text = GOOD + '[profiles.work.quick_replies]\nack = "Seen, on it."\n[profiles.home]\n'
        path = write_config(tmp_path / "c.toml", text)
        work = load(path, "work")
        assert work.settings.quick_replies == {"ack": "Seen, on it."}
        assert work.sources["quick_replies"] == "profile work"
        assert list(load(path, "home").settings.quick_replies) == ["ship", "not now", "hold"]

    def test_the_starter_file_has_the_table_commented(self, tmp_path: Path) -> None:
        assert tomllib.loads(STARTER_CONFIG)["quick_replies"] == {}
        assert "[quick_replies]\n# ship = " in STARTER_CONFIG
        uncommented = STARTER_CONFIG.replace("# ship = ", "ship = ")
        loaded = load(write_config(tmp_path / "c.toml", uncommented))
        assert loaded.problems == []
        assert loaded.settings.quick_replies == {"ship": "Looks good, ship it."}


class TestSave:
    def test_round_trip_keeps_order_lines_and_the_rest_of_the_file(self, tmp_path: Path) -> None:
        path = write_config(
            tmp_path / "c.toml", GOOD + '[keymap]\n"main.sort" = "o"\n[profiles.w]\nbell = "all"\n'
        )
        before = tomllib.loads(path.read_text())
        update_settings_file(path, {"theme": "nord"})  # another change: the table is kept
        after = tomllib.loads(path.read_text())
        assert after == {**before, "theme": "nord"}
        replies = {"b": "two\nlines", "a": "quotes \" and ''' and \\ too"}
        update_settings_file(path, {"quick_replies": replies})
        text = path.read_text()
        data = tomllib.loads(text)
        assert list(data["quick_replies"].items()) == list(replies.items())
        assert {key: data[key] for key in ("bell", "theme", "keymap", "profiles")} == {
            "bell": "off",
            "theme": "nord",
            "keymap": {"main.sort": "o"},
            "profiles": {"w": {"bell": "all"}},
        }
        assert 'b = """\ntwo\nlines"""' in text
        assert load(path).settings.quick_replies == replies

    def test_saving_from_the_screen_keeps_the_entries_it_could_not_show(
        self, tmp_path: Path
    ) -> None:
        """A refused entry never reached the editor, so saving the replies must not delete
        it: it stays as written (and is reported again), unless the save defines its name."""
        text = '[quick_replies]\nok = "fine"\nnum = 3\n" ok" = "again"\nfixme = "\\u001b[2J"\n'
        path = write_config(tmp_path / "c.toml", text)
        assert load(path).settings.quick_replies == {"ok": "fine"}
        update_settings_file(path, {"quick_replies": {"ack": "Seen.", "fixme": "Fixed."}})
        data = tomllib.loads(path.read_text())
        # "ok" was removed in the editor and the refused " ok" is named "ok": it stays, as
        # written; "fixme" is now defined by the save, so the refused one is replaced.
        assert data["quick_replies"] == {
            "ack": "Seen.",
            "fixme": "Fixed.",
            "num": 3,
            " ok": "again",
        }
        reloaded = load(path)
        assert reloaded.settings.quick_replies == {"ack": "Seen.", "fixme": "Fixed.", "ok": "again"}
        assert [key for key, _ in problems(reloaded)] == ["quick_replies.num"]

    def test_into_a_profile(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", GOOD)
        update_settings_file(path, {"quick_replies": {"ack": "Seen."}}, profile="work")
        data = tomllib.loads(path.read_text())
        assert data["profiles"]["work"] == {"quick_replies": {"ack": "Seen."}}
        assert len(data["quick_replies"]) == 3

    def test_an_invalid_reply_writes_nothing(self, tmp_path: Path) -> None:
        path = write_config(tmp_path / "c.toml", GOOD)
        with pytest.raises(ValueError, match="nothing saved: quick_replies: x: the text is empty"):
            update_settings_file(path, {"quick_replies": {"x": ""}})
        assert path.read_text() == GOOD


class TestConfigCommands:
    def test_check_lists_each_bad_reply(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(tmp_path / "c.toml", '[quick_replies]\nok = "fine"\nbad = 1\n')
        status, out, _ = run(["config", "check", "--config", str(path)], capsys)
        assert status == 1
        assert out.splitlines() == [
            f"{path}: quick_replies.bad: the text must be in quotes, e.g. "
            'ship = "Looks good, ship it." (got 1)'
        ]

    def test_check_is_clean_with_good_replies(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(tmp_path / "c.toml", GOOD)
        status, out, _ = run(["config", "check", "--config", str(path)], capsys)
        assert status == 0 and out.startswith("config OK")

    def test_show_prints_the_table_as_toml_with_its_source(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = write_config(tmp_path / "c.toml", GOOD)
        status, out, err = run(["config", "show", "--config", str(path)], capsys)
        assert status == 0 and err == ""
        assert "[quick_replies]  # file" in out.splitlines()
        data = tomllib.loads(out)  # still valid TOML
        assert data["quick_replies"] == load(path).settings.quick_replies
        assert data["keymap"] == {}
