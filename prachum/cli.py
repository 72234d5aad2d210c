"""The ``prachum`` console command. Sub-commands need no database or server."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(
            "usage: prachum verify PACKAGE [--key PUBKEY] [--tsa-cert CERT] [--lang th|en]\n"
        )
        return 0 if args else 2
    if args[0] == "verify":
        # Loaded only for the subcommand: ``prachum --help`` stays instant.
        from prachum.verify.cli import main as verify_main

        return verify_main(args[1:])
    sys.stderr.write(f"unknown command: {args[0]}\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
