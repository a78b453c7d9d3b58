"""The base of the import of one sheet (``importer.RecordImport``, ``taskimport.TaskImport``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.store import Store
from .columns import Mapping
from .convert import Resolver
from .plan import ImportOptions, Plan, RowError
from .sheet import Sheet

if TYPE_CHECKING:
    from .importer import Origin


class SheetImport:
    """What planning the import of a sheet needs: the file, its columns, the options,
    and the plan it fills in."""

    def __init__(
        self,
        store: Store,
        sheet: Sheet,
        mapping: Mapping,
        options: ImportOptions,
        plan: Plan,
        orders: dict[int, str | None],
        origin: Origin | None = None,
    ) -> None:
        self.store, self.sheet, self.mapping, self.options = store, sheet, mapping, options
        self.plan, self.orders, self.origin = plan, orders, origin
        self.resolver = Resolver(store)
        self.setup()

    def setup(self) -> None:
        """What a kind of import prepares before reading the rows."""

    def _error(self, row: int, message: str) -> None:
        self.plan.errors.append(RowError(row, message))
