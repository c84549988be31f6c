"""Widgets of the TUI: inbox list, detail pane, connection status bar."""
