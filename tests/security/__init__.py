"""Security tests: hostile links and input, server hardening, no unsafe HTML in the sources."""
