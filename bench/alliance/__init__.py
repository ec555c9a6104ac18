"""The programme figures at national scale: ``python -m bench alliance``.

``generator`` fills an empty database with all 10,953 German municipalities (the real keys and
names of the shipped Gemeindeverzeichnis, synthetic boundaries) and ten years of synthetic
alliance records; ``child`` times the figures and the map layer inside a throw-away deployment;
``run`` sets those deployments up (SQLite and PostgreSQL) and writes the results.
"""
