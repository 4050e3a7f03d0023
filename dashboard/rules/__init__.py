"""Pure domain rules: no Dash, no database. Each module has its own tests under tests/rules/."""
