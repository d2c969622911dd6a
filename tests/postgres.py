"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl in a temporary folder, Unix socket only.

Missing server programs skip the PostgreSQL side locally and fail it under CI (CI=true):
`make test` installs Debian's postgresql package. initdb refuses to run as root, so as root
the cluster belongs to the `postgres` user that package creates (else `nobody`).
"""

import glob
import os
import pathlib
import pwd
import shutil
import subprocess
import tempfile

import pytest

from browsing import under_ci

SUPERUSER = "measuresearch"
MAX_CONNECTIONS = 300


def server_programs():
    """Return the folder of initdb and pg_ctl (PATH first, then Debian's /usr/lib/postgresql/<version>/bin)."""
    found = shutil.which("initdb")
    if found and os.path.exists(os.path.join(os.path.dirname(os.path.realpath(found)), "pg_ctl")):
        return os.path.dirname(os.path.realpath(found))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    return os.path.dirname(versions[-1]) if versions else None


def require():
    """Return the server programs' folder; fail under CI, skip elsewhere, when they are missing."""
    folder = server_programs()
    if folder is None:
        message = "PostgreSQL's server (initdb, pg_ctl) is missing: `make test` installs Debian's postgresql package"
        if under_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return folder


def _owner():
    """Return (uid, gid) the cluster runs as: ours, or a system user when we are root."""
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    raise RuntimeError("running as root and neither the postgres nor the nobody user exists for initdb")


class Cluster:
    """One running cluster; `database()` makes an empty database and returns its URL."""

    def __init__(self, programs):
        self.programs = pathlib.Path(programs)
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="measuresearch-pg-"))
        self.data = self.root / "data"
        self.uid, self.gid = _owner()
        os.chown(self.root, self.uid, self.gid)
        self.made = 0

    def _run(self, *argv):
        # the server that pg_ctl starts writes to its -l log: pg_ctl's own pipes close when pg_ctl exits
        as_other = {"user": self.uid, "group": self.gid, "extra_groups": []} if self.uid != os.getuid() else {}
        done = subprocess.run([str(self.programs / argv[0]), *argv[1:]], capture_output=True, text=True,
                              cwd=self.root, **as_other)
        if done.returncode:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self):
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--locale=C", "--no-sync")
        options = f"-k {self.root} -c listen_addresses='' -c max_connections={MAX_CONNECTIONS}"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")
        return self

    def restart(self):
        """Stop the server at once (as a crash would) and start it again with the same options."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-m", "immediate", "-w",
                  "-t", "60", "restart")

    def url(self, name):
        return f"postgresql://{SUPERUSER}@/{name}?host={self.root}"

    def database(self):
        """Create an empty database; return its URL."""
        import psycopg
        self.made += 1
        name = f"test_{self.made}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self):
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
