"""Running Loket for years: schema migrations, backups, the one scheduler, `loket doctor`.

Plain modules over the database and the file system; the commands live in `commands.py`.
"""
