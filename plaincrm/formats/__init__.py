"""Moving records in and out: spreadsheets (CSV, XLSX), vCard, iCalendar.

``sheet`` reads a spreadsheet into rows of cells, ``cells`` turns cells into
field values, ``columns`` recognises what each column holds, ``importer``
plans and applies an import, ``exporter`` writes records and tasks as
tables, ``vcard`` and ``ics`` speak the address-book and calendar formats.
The libraries behind XLSX, vCard and iCalendar (openpyxl, vobject,
icalendar) are imported inside the functions that need them; what each
record kind adds to an import is its registration's (``new_record``,
``slug_base``, ``updated``, ``by_command``: ``core.kinds``), and ``vdir`` writes
one file per item for vdirsyncer.

What it may import: the core, and the domains for what their records need on
the way in and out (the task importer adds tasks through ``tasks.taskops``).
Never a front end.
"""
