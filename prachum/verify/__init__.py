"""Offline verification of an evidence package: no database, no server, no Django.

An auditor runs ``prachum verify PACKAGE [--key PUBKEY]``; only the package, the public
key and the law engine (``prachum.domain``) are needed (enforced by import-linter).
"""
