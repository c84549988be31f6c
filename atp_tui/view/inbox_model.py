"""What the inbox holds and which rows it shows, in order, without Textual.

`InboxRows` keeps every notification the inbox holds, their sort keys (kept sorted: a batch of
new rows is merged in, not re-sorted), the filter, and whether closed rows are hidden; it
answers which notification is on row N and which row a notification is on. The widget
(`atp_tui.widgets.inbox.InboxList`) adds the cursor, the scrolling and the drawing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Set
from datetime import datetime

from atp_tui.store import StoredNotification
from atp_tui.view.order import FIRST_CLOSED, SortKey, SortOrder, merge_keys, sort_key


class InboxRows:
    """The held notifications and the shown rows (see the module docstring)."""

    def __init__(
        self,
        *,
        hide_closed: bool = False,
        read_heads: Callable[[], Mapping[str, str]] = dict,
    ) -> None:
        #: Whether rows that sort as closed are left out (`set_hide_closed`).
        self.hide_closed = hide_closed
        #: The description heads that summaries leave in the store (`Store.description_heads`),
        #: read when the filter first needs one and dropped with the haystacks.
        self._read_heads = read_heads
        self._stored_heads: Mapping[str, str] | None = None
        #: How many rows sort as open: the closed ones are `_keys[_open_rows:]`.
        self._open_rows = 0
        self._items: dict[str, StoredNotification] = {}
        self._haystacks: dict[str, str] = {}
        self._keys: list[SortKey] = []
        self._key_of: dict[str, SortKey] = {}
        self._filter = ""
        self._shown: list[str] | None = None  # filtered ids in order, or None for all
        self._shown_index: dict[str, int] = {}

    # -- reading ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows are shown (after the filter and hiding closed rows)."""
        return self._limit if self._shown is None else len(self._shown)

    @property
    def _limit(self) -> int:
        """How many of the sorted rows may be shown: all, or the open run when hiding."""
        return self._open_rows if self.hide_closed else len(self._keys)

    @property
    def hidden_count(self) -> int:
        """How many rows are hidden because they are closed (0 when they are shown)."""
        return len(self._keys) - self._open_rows if self.hide_closed else 0

    @property
    def total(self) -> int:
        """How many notifications are held (filter or not)."""
        return len(self._items)

    @property
    def filter_text(self) -> str:
        """The active filter, casefolded ("" for none)."""
        return self._filter

    def items(self) -> Iterable[StoredNotification]:
        """Every notification held (any order)."""
        return self._items.values()

    def get(self, notification_id: str) -> StoredNotification | None:
        """The held state of one notification."""
        return self._items.get(notification_id)

    def held(self, notification_id: str) -> StoredNotification:
        """The held state of a notification known to be held (a shown row's)."""
        return self._items[notification_id]

    def row_ids(self) -> list[str]:
        """The ids of the shown rows, top to bottom."""
        if self._shown is not None:
            return list(self._shown)
        return [key[-1] for key in self._keys[: self._limit]]  # type: ignore[misc]

    def id_at(self, row: int) -> str | None:
        """The id shown at row `row`, if any."""
        if row < 0 or row >= self.row_count:
            return None
        if self._shown is not None:
            return self._shown[row]
        return self._keys[row][-1]  # type: ignore[return-value]

    def index_of(self, notification_id: str | None) -> int | None:
        """The row of a notification, or `None` when it is not shown."""
        if notification_id is None or notification_id not in self._key_of:
            return None
        if self._shown is not None:
            return self._shown_index.get(notification_id)
        index = bisect_left(self._keys, self._key_of[notification_id])
        return index if index < self._limit else None

    # -- changing -----------------------------------------------------------------------

    def upsert(self, batch: Iterable[StoredNotification], order: SortOrder, now: datetime) -> None:
        """Add new notifications and replace changed ones.

        A known row keeps its place (answering it must not move it away from the cursor; the
        next re-sort uses its current state). New rows are merged into the sorted keys
        (`merge_keys`): a 100-row batch into 50,000 rows re-sorting everything took 32 ms of
        the UI loop, merging it takes well under 1.
        """
        added: list[SortKey] = []
        for item in batch:
            notification_id = item.summary.id
            known = notification_id in self._items
            self._items[notification_id] = item
            self._haystacks.pop(notification_id, None)
            if known:
                continue
            key = sort_key(item, order, now)
            self._key_of[notification_id] = key
            added.append(key)
        self._keys = merge_keys(self._keys, (), added)
        self._refilter()

    def remove(self, ids: Set[str]) -> None:
        """Take notifications out."""
        gone = [self._key_of.pop(nid) for nid in ids if nid in self._items]
        for nid in ids:
            self._items.pop(nid, None)
            self._haystacks.pop(nid, None)
        self._keys = merge_keys(self._keys, gone, ())
        self._refilter()

    def set_filter(self, text: str) -> None:
        """Show only rows whose title, service, project or the start of whose description
        (`DESCRIPTION_HEAD` characters) contain `text` (case-insensitive)."""
        self._filter = text.strip().casefold()
        if not self._filter:
            self._haystacks.clear()  # ≈ 1 KB per row: kept while filtering, not after
            self._stored_heads = None
        self._refilter()

    def resort(self, order: SortOrder, now: datetime) -> None:
        """Take every row's key again (at `now`, in `order`) and sort."""
        self._key_of = {nid: sort_key(item, order, now) for nid, item in self._items.items()}
        self._keys = sorted(self._key_of.values())
        self._refilter()

    def _refilter(self) -> None:
        self._open_rows = bisect_left(self._keys, FIRST_CLOSED)
        if self._filter:
            self._shown = [
                key[-1]  # type: ignore[misc]
                for key in self._keys[: self._limit]
                if self._matches(key[-1])  # type: ignore[arg-type]
            ]
            self._shown_index = {nid: row for row, nid in enumerate(self._shown)}
        else:
            self._shown = None
            self._shown_index = {}

    def _matches(self, notification_id: str) -> bool:
        haystack = self._haystacks.get(notification_id)
        if haystack is None:
            # Raw text is fine for matching (nothing is shown); sanitising 50k rows is not free.
            summary = self._items[notification_id].summary
            head = summary.description_head
            if head is None:
                if self._stored_heads is None:
                    self._stored_heads = self._read_heads()
                head = self._stored_heads.get(notification_id, "")
            haystack = "\n".join(
                (summary.title, head, summary.service, summary.project or "")
            ).casefold()
            self._haystacks[notification_id] = haystack
        return self._filter in haystack
