"""The daily loop: task operations and the day's agenda.

What lives here: ``taskops`` (add, complete with a result note, reschedule,
edit, delete, reopen a task; ``change_task`` finds a task by id in the locked
text) and ``agenda`` (``day_view`` for ``today`` and ``plan``, and the
``ATTENTION`` providers that add what needs attention).  The task-line grammar
and ``every:`` rules are the core's (``core.tasklines``, ``core.recurrence``).

What it may import: the core and ``clients`` (a task's owner); the other
domains only through the attention providers they declare.  Never a front end.
"""
