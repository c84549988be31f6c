"""Screens of the TUI: the main screen (the controller) and one modal per file."""
