"""What the inbox, the detail pane and the reports show, and why: plain data, no Textual.

- `history`: the answer log as entries in the user's words (history, handover).
"""
