"""site-builder desk: a local web app on 127.0.0.1 for community and department staff (no login, so it
never listens on another interface). Every action calls the function the matching command calls; the
desk adds forms, not rules. See docs/desk.md."""
