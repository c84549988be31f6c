"""One module per command-line subcommand (no Textual).

The others still live beside `cli.py` (`watch.py`, `respond_cli.py`, `history.py`,
`config_cli.py`) and move here one at a time.
"""
