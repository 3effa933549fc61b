"""A built dataset once written: open it (local folder or Hub repo id), count it, push it."""
