"""What the inbox, the detail pane and the reports show, and why: plain data, no Textual.

- `items`: what a row and the detail pane say (times, answer states, labels), from a
  `StoredNotification` and its answer.
- `status`: the one definition of an item's effective state and of "closed".
- `counting`: the status bar's counts (open, expiring, unread), kept incrementally.
- `glyphs`: the glyph set (Unicode or ASCII) and plain-colour mode, chosen once at start.
- `answer_status`: what an open answer modal says of its notification (time left, closed).
- `catchup`: what arrived and closed while the client was away (the away summary).
- `history`: the answer log as entries in the user's words (history, handover).

The widgets draw what these compute; tests check them without an App.
"""
