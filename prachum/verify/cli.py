"""``prachum verify PACKAGE [--key PUBKEY] [--tsa-cert CERT] [--pdf-cert CERT] [--lang th|en]``:
exit 0 only if all checks pass."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from prachum.verify.package import verify_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prachum verify", description=__doc__)
    parser.add_argument("package", type=Path)
    parser.add_argument("--key", type=Path, help="the agency's public key (PEM)")
    parser.add_argument(
        "--tsa-cert", type=Path, help="the Time-Stamping Authority's certificate (PEM)"
    )
    parser.add_argument("--lang", choices=["th", "en"], default="th")
    parser.add_argument(
        "--pdf-cert",
        type=Path,
        help="the agency's PDF signing certificate (PEM): signed PDFs must chain to it",
    )
    args = parser.parse_args(argv)
    key = args.key.read_bytes() if args.key else None
    tsa = args.tsa_cert.read_bytes() if args.tsa_cert else None
    certs = args.pdf_cert.read_bytes() if args.pdf_cert else None
    report = verify_package(args.package, key_pem=key, tsa_pem=tsa, pdf_certs_pem=certs)
    sys.stdout.write(report.render(args.lang) + "\n")
    return 0 if report.ok else 1
