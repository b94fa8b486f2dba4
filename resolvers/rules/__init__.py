"""Pure business rules: no I/O, no ORM, no async, so they can be tested exhaustively."""
