"""Engines that run the query plan: embedded DuckDB (default) and Apache Spark.

Both expose the same three operations: register canonical Parquet files as
``events``, materialise the per-event view ``ev`` once, and run a query into an
Arrow table. The plan's SQL is identical for both; only the :class:`Dialect`
differs.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

import pyarrow as pa

from distillguard.features import plan
from distillguard.schema import ConfigError


class Engine(Protocol):
    name: str
    dialect: plan.Dialect

    def load_events(self, files: Sequence[Path]) -> None: ...

    def materialize(self, name: str, sql: str) -> None: ...

    def materialize_events(self, name: str) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


class DuckDBEngine:
    name = "duckdb"
    dialect = plan.DUCKDB

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None,
                 temp_directory: Path | None = None) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET TimeZone='UTC'")
        if threads:
            self.con.execute(f"SET threads={int(threads)}")
        try:
            if memory_limit:
                # Without a limit DuckDB keeps the materialised per-event view in memory
                # (7.7 GB RSS at 10M events); with one it spills to temp_directory.
                self.con.execute("SET memory_limit=?", [memory_limit])
            if temp_directory is not None:
                # DuckDB creates the spill directory itself, but not its parents.
                temp_directory.parent.mkdir(parents=True, exist_ok=True)
                self.con.execute("SET temp_directory=?", [str(temp_directory)])
        except duckdb.Error as exc:
            raise ConfigError(f"DuckDB memory settings: {exc}",
                              details={"memory_limit": memory_limit}) from exc
        self.con.execute("SET preserve_insertion_order=false")
        self.memory_limit = memory_limit

    @contextmanager
    def _memory_guard(self) -> Iterator[None]:
        """DuckDB's out-of-memory error as a config error that names the setting."""
        import duckdb

        try:
            yield
        except duckdb.OutOfMemoryException as exc:
            raise ConfigError(
                f"DuckDB ran out of memory within DISTILLGUARD_DUCKDB_MEMORY_LIMIT="
                f"{self.memory_limit or '(default)'}; raise it (beyond it DuckDB spills to "
                f"disk, but some operators need a minimum): {exc}",
                details={"setting": "DISTILLGUARD_DUCKDB_MEMORY_LIMIT"}) from exc

    def load_events(self, files: Sequence[Path]) -> None:
        lst = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        self.con.execute(
            f"CREATE OR REPLACE VIEW events AS SELECT * FROM read_parquet([{lst}], "
            "union_by_name=true)"
        )

    def materialize(self, name: str, sql: str) -> None:
        with self._memory_guard():
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def materialize_events(self, name: str) -> None:
        """The per-event view of the plan (:func:`plan.events_view`) as table ``name``."""
        self.materialize(name, plan.events_view(self.dialect))

    def query(self, sql: str) -> pa.Table:
        with self._memory_guard():
            result: pa.Table = self.con.sql(sql).to_arrow_table()
        return result

    def close(self) -> None:
        self.con.close()


_SPARK_LOCK = threading.Lock()
_SPARK_LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
_SPARK: Any = None
_SPARK_CONF = {
    "spark.app.name": "distillguard-hunt",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.codegen.wholeStage": "false",
    "spark.default.parallelism": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "2g",
    "spark.sql.ansi.enabled": "false",
    "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={_SPARK_LOG_CONFIG}",
}
# The JVM's own start-up notice: Spark 4's launcher adds the incubating vector module to
# every driver, the JVM then warns of it on stderr, and no JVM flag silences that.
_JVM_NOTICES = (b"WARNING: Using incubator modules",)


def relay_jvm_stderr(stream: IO[bytes], fd: int = 2) -> None:
    """Copy the driver JVM's stderr to ours line by line, less its start-up notice. Runs
    until the JVM (and every Python worker it started) has closed the pipe; a stderr
    that went away is no reason to stop draining, or the JVM would block on a full pipe."""
    live = True
    for line in iter(stream.readline, b""):
        if not live or line.startswith(_JVM_NOTICES):
            continue
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            live = False


def spark_session(master: str = "local[2]") -> Any:
    """One SparkSession per process (JVM start dominates small runs), started quietly:
    log4j at errors only, and the JVM's stderr relayed without its start-up notice."""
    global _SPARK
    with _SPARK_LOCK:
        if _SPARK is None:
            try:
                from pyspark import SparkConf, SparkContext
                from pyspark.java_gateway import launch_gateway
                from pyspark.sql import SparkSession
            except ImportError as exc:  # pragma: no cover - pyspark is an optional extra
                raise ConfigError(
                    "engine 'spark' needs pyspark: install distillguard[spark]"
                ) from exc
            # Python workers (the per-event view runs there) must have distillguard's
            # dependencies: this interpreter, unless the user chose one. PySpark reads the
            # variable, not the spark.pyspark.python setting, when it starts the context.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            conf = SparkConf().setMaster(master).setAll(list(_SPARK_CONF.items()))
            # The relay reads from before the launch, so a JVM that fails to start still
            # says why; the parent's end of the pipe closes once the child holds it.
            read_fd, write_fd = os.pipe()
            threading.Thread(target=relay_jvm_stderr, args=(os.fdopen(read_fd, "rb"),),
                             name="spark-stderr", daemon=True).start()
            try:
                gateway = launch_gateway(  # type: ignore[no-untyped-call]
                    conf, popen_kwargs={"stderr": write_fd})
            finally:
                os.close(write_fd)
            SparkContext(conf=conf, gateway=gateway)
            _SPARK = SparkSession.builder.getOrCreate()
            _SPARK.sparkContext.setLogLevel("ERROR")
        return _SPARK


class SparkEngine:
    name = "spark"
    dialect = plan.SPARK

    def __init__(self, master: str = "local[2]") -> None:
        self.spark = spark_session(master)
        # The plan's regexes are written with single backslashes, as DuckDB reads them.
        self.spark.conf.set("spark.sql.parser.escapedStringLiterals", "true")
        self._cached: list[str] = []

    def load_events(self, files: Sequence[Path]) -> None:
        df = self.spark.read.parquet(*[str(f) for f in files])
        df.createOrReplaceTempView("events")

    def materialize(self, name: str, sql: str) -> None:
        self.spark.sql(sql).createOrReplaceTempView(name)
        self.spark.sql(f"CACHE TABLE {name}")
        self._cached.append(name)

    def materialize_events(self, name: str) -> None:
        """The per-event view, computed row-locally by DuckDB inside Spark's Python workers.

        The view is a regex-heavy projection of each event (content families, topics,
        masked skeletons). Java's backtracking regexes spent ~700 us an event on it (1M
        events: 700 s on local[2]); RE2 in DuckDB spends a few. Spark still does what
        needs the whole log (de-duplication here, every aggregate after), and the SQL is
        the very text the DuckDB engine runs, so both engines compute the same values.
        """
        from pyspark.sql.pandas.types import from_arrow_schema

        cols = ", ".join(plan.PLAN_COLUMNS)
        src = self.spark.sql(
            f"SELECT {cols} FROM ({plan.unique_events('events')}) u "
            "WHERE account_id IS NOT NULL AND ts IS NOT NULL")
        sql = plan.events_view(plan.DUCKDB, "batch")
        out_schema = _duckdb_view(sql, src.limit(0).toArrow()).schema
        df = src.mapInArrow(_view_batches(sql), from_arrow_schema(out_schema))
        df.createOrReplaceTempView(name)
        self.spark.sql(f"CACHE TABLE {name}")
        self._cached.append(name)

    def query(self, sql: str) -> pa.Table:
        result: pa.Table = self.spark.sql(sql).toArrow()
        return result

    def close(self) -> None:
        for name in self._cached:
            self.spark.sql(f"UNCACHE TABLE IF EXISTS {name}")
            self.spark.catalog.dropTempView(name)
        self._cached.clear()


def _duckdb_view(sql: str, batch: pa.Table) -> pa.Table:
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET TimeZone='UTC'")
        con.register("batch", batch)
        result: pa.Table = con.sql(sql).to_arrow_table()
        return result
    finally:
        con.close()


def _view_batches(sql: str) -> Any:
    """A ``mapInArrow`` function: each Arrow batch through the DuckDB view ``sql``."""

    def run(batches: Any) -> Any:
        for b in batches:
            yield from _duckdb_view(sql, pa.Table.from_batches([b])).to_batches()

    return run


def make_engine(name: str, *, spark_master: str = "local[2]", memory_limit: str | None = None,
                temp_directory: Path | None = None) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(memory_limit=memory_limit, temp_directory=temp_directory)
    if name == "spark":
        return SparkEngine(spark_master)
    raise ConfigError(f"unknown engine {name!r}: choose duckdb or spark", details={"engine": name})
