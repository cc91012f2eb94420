"""The OCTT 1.6 Central System cases, ``<block>/TC_*.yaml``: data, shipped in the wheel.

A package only so that setuptools installs the folder beside ``simulator``; nothing
imports it. ``simulator.bundled.default_cases_dir()`` finds it there, installed or in a
checkout.
"""
