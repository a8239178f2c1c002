"""Pure domain logic: label schemas, workflow rules, roles and truth inference. No I/O."""
