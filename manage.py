#!/usr/bin/env python3
"""Django's command-line utility; `kommunalschutz` is the same with operator aliases."""

from kommunalschutz.cli import main

if __name__ == "__main__":
    main()
