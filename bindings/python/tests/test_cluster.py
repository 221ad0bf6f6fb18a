"""m2v_native.spark and m2v_native.ray_data on real, small clusters on 127.0.0.1 (issue 19).

- Spark standalone: a master and two workers (separate JVMs started here with spark-class, one
  core each, their own ports and work dirs), an application with one 512 MB executor per worker.
  The executors' Python is a venv packed from the wheel (spark.archives=worker-env.tar.gz#env,
  PYSPARK_PYTHON=./env/bin/python): they never import m2v_native from the driver's environment
  (checked). The model is sent with m2v_native.spark.ship (SparkContext.addArchive) and named
  with shipped(name): no path is shared.
- Ray: a head node and a second node (`ray start`, one CPU each, their own temp dirs and
  TMPDIR), the model put in the object store with m2v_native.ray_data.ship and written by each
  node into its own folder; the actors ran on both nodes (checked by node id).

Every vector is byte-identical to a plain StaticModel.encode in the driver. The throughput of 1
vs 2 workers / nodes (20,000 texts; minilm-default when the fixtures have it) is printed and
written to $M2V_CLUSTER_REPORT.

Run with `make test-cluster` (scripts/cluster_test.sh): it builds the workers' venv and runs this
file inside fresh network (loopback only) and PID namespaces. Without M2V_CLUSTER=1 the module
is skipped (the plain test-python run); outside those namespaces it skips, or fails under CI=true.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import CI, FIXTURES, REPO

if os.environ.get("M2V_CLUSTER", "") != "1":
    pytest.skip("cluster tests: run `make test-cluster` (sets M2V_CLUSTER=1)", allow_module_level=True)

import m2v_native  # noqa: E402

SMALL = REPO / "Tests" / "classifiers" / "single-label"
MINILM = FIXTURES / "models" / "minilm-default"
N_BENCH = int(os.environ.get("M2V_CLUSTER_TEXTS", "20000"))


def _unavailable(what: str) -> None:
    if CI:
        pytest.fail(f"{what} (CI=true)")
    pytest.skip(what)


@pytest.fixture(scope="module", autouse=True)
def isolated() -> None:
    """Only loopback in this network namespace, and a PID namespace of our own (ray stop kills
    every Ray process it can see)."""
    names = sorted(name for _, name in socket.if_nameindex())
    if names != ["lo"]:
        _unavailable(f"not in a loopback-only network namespace (interfaces {names}); use make test-cluster")
    host = os.environ.get("M2V_HOST_PIDNS", "")
    if not host.isdigit() or os.stat("/proc/self/ns/pid").st_ino == int(host):
        _unavailable("not in a PID namespace of its own; use make test-cluster")


# --------------------------------------------------------------------------------------------
# Texts, models, reports
# --------------------------------------------------------------------------------------------


def _dev_texts() -> list[str]:
    dev = FIXTURES / "corpus" / "dev_texts.json"
    if not dev.is_file():
        return []
    return json.loads(dev.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cluster_texts() -> list[str]:
    """Tests/bindings/texts.txt (every binding's lines) and, when the fixtures are there, the
    first 2,000 dev texts."""
    lines = (REPO / "Tests" / "bindings" / "texts.txt").read_text(encoding="utf-8").splitlines()
    return lines + _dev_texts()[:2000]


@pytest.fixture(scope="module")
def bench_model() -> Path:
    return MINILM if (MINILM / "model.safetensors").is_file() else SMALL


@pytest.fixture(scope="module")
def bench_texts(cluster_texts) -> list[str]:
    """N_BENCH texts: the dev corpus cycled (mean ~176 characters), else texts.txt's lines."""
    pool = _dev_texts() or cluster_texts
    return [pool[i % len(pool)] for i in range(N_BENCH)]


REPORT: list[str] = []


def _report(line: str = "") -> None:
    REPORT.append(line)
    print(line)
    path = os.environ.get("M2V_CLUSTER_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def _cpu_by_pid() -> dict[int, float]:
    """CPU seconds (user + system) used so far by each process of this PID namespace, with the
    children it has reaped: this test's driver, JVMs, Python workers, Ray daemons; other work on
    the machine is not in it. (Ray's workers are reaped without that accounting: the Ray runs add
    their actors' own CPU time, measured in the actors.)"""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:  # exited meanwhile
            continue
        out[int(pid)] = sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    return out


class _Runs:
    """Best-of-`runs` wall time of a job, with the CPU seconds that run used. `fn` may return
    (CPU seconds, pids) of processes it measured itself (Ray actors), which replace /proc's."""

    def __init__(self, fn, runs: int = 3) -> None:
        self.wall = float("inf")
        self.cpu = 0.0
        self.runs = runs
        for _ in range(runs):
            before, t = _cpu_by_pid(), time.perf_counter()
            own = fn()
            wall = time.perf_counter() - t
            after = _cpu_by_pid()
            own_cpu, own_pids = own if isinstance(own, tuple) else (0.0, set())
            cpu = own_cpu + sum(c - before.get(pid, 0.0) for pid, c in after.items() if pid not in own_pids)
            if wall < self.wall:
                self.wall, self.cpu = wall, cpu


def _plain_rate(model_dir: Path, texts: list[str]) -> float:
    model = m2v_native.StaticModel.from_pretrained(model_dir)
    model.encode(texts[:1000], n_threads=1)
    return len(texts) / _Runs(lambda: model.encode(texts, n_threads=1)).wall


def _table(title: str, unit: str, rows: list[tuple[int, _Runs, str | None]], extra: str | None = None) -> None:
    """The throughput table: one row per cluster size (1, 2), `extra` an optional last column
    (heading) whose cells are the rows' third items."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    _report()
    _report(f"{title}; {N_BENCH:,} texts, best of {len(rows) and rows[0][1].runs}; machine load average {load}")
    _report()
    head = f"| {unit}s | wall (s) | texts/s | texts/s per {unit} | cores busy | texts per CPU-second |"
    rule = "|---:|---:|---:|---:|---:|---:|"
    if extra:
        head, rule = head + f" {extra} |", rule + "---:|"
    _report(head + " speed-up |")
    _report(rule + "---:|")
    base = None
    for n, run, cell in rows:
        rate = N_BENCH / run.wall
        base = base or rate
        line = (f"| {n} | {run.wall:.2f} | {rate:,.0f} | {rate / n:,.0f} | {run.cpu / run.wall:.1f} | "
                f"{N_BENCH / max(run.cpu, 1e-9):,.0f} |")
        if extra:
            line += f" {cell} |"
        _report(line + f" {rate / base:.2f} |")


# --------------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Procs:
    """Processes started here, each in its own process group (killed as a group)."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> Path:
        log = self.logdir / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append((name, proc))
        return log

    def wait_for(self, name: str, text: str, timeout: float = 120) -> None:
        proc = dict(self.procs)[name]
        log = self.logdir / f"{name}.log"
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in log.read_text(errors="replace"):
                return
            if proc.poll() is not None:
                break
            time.sleep(0.2)
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{name} did not log {text!r} (exit code {proc.poll()}):\n{tail}")

    def stop(self) -> None:
        for _, proc in reversed(self.procs):  # the last started first (Spark workers before the master)
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # and whatever of the group is left
            except ProcessLookupError:
                pass
            proc.wait()


# --------------------------------------------------------------------------------------------
# Spark standalone: a master and two workers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def worker_env() -> str:
    path = os.environ.get("M2V_CLUSTER_ENV", "")
    if not os.path.isfile(path):
        _unavailable(f"M2V_CLUSTER_ENV={path!r}: no packed workers' venv (scripts/cluster_test.sh makes it)")
    return path


@pytest.fixture(scope="module")
def spark_cluster():
    if shutil.which("java") is None:
        _unavailable("no java (Spark needs Java 17+)")
    try:
        import pyspark
    except ImportError as exc:
        _unavailable(f"pyspark: {exc}")
    home = os.path.dirname(pyspark.__file__)
    tmp = Path(tempfile.mkdtemp(prefix="m2v-spark-"))
    # The daemons (and the executors they start) get no PYTHONPATH: nothing of the driver's.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYSPARK_PYTHON", "VIRTUAL_ENV")}
    local = tmp / "local"  # the daemons' and executors' scratch space (not /tmp)
    local.mkdir()
    env.update(SPARK_HOME=home, SPARK_LOCAL_IP="127.0.0.1", SPARK_LOCAL_DIRS=str(local), SPARK_DAEMON_MEMORY="256m",
               SPARK_DAEMON_JAVA_OPTS=f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.io.tmpdir={local}")
    procs = _Procs(tmp)
    spark_class = os.path.join(home, "bin", "spark-class")
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    try:
        t = time.perf_counter()
        procs.start("master", [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(port), "--webui-port", str(_free_port())], env)
        procs.wait_for("master", "I have been elected leader")
        workers = []
        for i in (1, 2):
            work = tmp / f"worker{i}"
            work.mkdir()
            workers.append(work)
            procs.start(f"worker{i}", [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                       "--port", str(_free_port()), "--webui-port", str(_free_port()),
                                       "--cores", "1", "--memory", "1g", "--work-dir", str(work), url], env)
        for i in (1, 2):
            procs.wait_for(f"worker{i}", "Successfully registered with master")
        print(f"spark standalone: master + 2 workers up in {time.perf_counter() - t:.1f} s")
        yield {"url": url, "workers": workers, "tmp": tmp, "local": local}
    finally:
        procs.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def spark(spark_cluster, worker_env):
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYSPARK_PYTHON", "./env/bin/python")  # the unpacked archive, in each executor's cwd
        mp.delenv("PYSPARK_DRIVER_PYTHON", raising=False)
        mp.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        t = time.perf_counter()
        session = (
            SparkSession.builder.master(spark_cluster["url"])
            .appName("m2v-test-cluster")
            .config("spark.archives", f"{worker_env}#env")
            .config("spark.driver.memory", "512m")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.local.dir", str(spark_cluster["local"]))
            .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={spark_cluster['local']}")
            .config("spark.executor.extraJavaOptions", f"-Djava.io.tmpdir={spark_cluster['local']}")
            .config("spark.executor.memory", "512m")
            .config("spark.executor.cores", "1")
            .config("spark.cores.max", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate()
        )
        try:
            session.sparkContext.setLogLevel("ERROR")
            tracker = session.sparkContext._jsc.sc()
            end = time.monotonic() + 120
            while tracker.getExecutorMemoryStatus().size() < 3:  # the driver + 2 executors
                if time.monotonic() > end:
                    raise RuntimeError("the two executors did not register in 120 s")
                time.sleep(0.2)
            print(f"spark: application with 2 executors in {time.perf_counter() - t:.1f} s")
            yield session
        finally:
            session.stop()


def _where_fn():
    """A mapInArrow probe (a local function, so cloudpickle ships it by value): which executor
    (its cwd), which Python (sys.prefix, sys.executable) and which m2v_native ran the batch, and
    the model loads of that Python worker."""

    def where(batches):
        import json
        import os
        import sys

        import pyarrow as pa

        import m2v_native
        import m2v_native.spark as ms

        info = json.dumps({"cwd": os.getcwd(), "prefix": sys.prefix, "exe": sys.executable,
                           "m2v": m2v_native.__file__, "pid": os.getpid(), "loads": ms._LOADS})
        for batch in batches:
            yield batch.append_column("where", pa.array([info] * batch.num_rows, type=pa.string()))

    return where


def _under(path: str, folders: list[Path]) -> Path | None:
    """The folder of `folders` that `path` is in (no symbolic links resolved: a venv's
    bin/python is one)."""
    path = os.path.abspath(path)
    for f in folders:
        if path.startswith(os.path.abspath(f) + os.sep):
            return f
    return None


def test_spark_standalone_shipped_model(spark, spark_cluster, cluster_texts, tmp_path):
    """Two executors on two workers, the model shipped (no shared path): every vector equals
    the driver's encode byte for byte, the rows were embedded on both workers, by the packed
    venv's Python and the wheel's m2v_native, from each executor's own copy of the model."""
    from pyspark.sql.types import StringType, StructField, StructType

    from m2v_native.spark import Shipped, embed, ship, shipped

    reference = m2v_native.StaticModel.from_pretrained(SMALL).encode(cluster_texts)
    model = ship(spark, SMALL)
    assert model == shipped("single-label") and isinstance(model, Shipped)
    assert ship(spark, SMALL) == model  # the same content again: a no-op
    n = len(cluster_texts)
    rows = [(i, t) for i, t in enumerate(cluster_texts)] + [(n + j, None) for j in range(3)]
    df = spark.createDataFrame(rows, "id long, text string").repartition(4)
    out = embed(df, "text", model=model, batch_size=64)
    assert out.columns == ["id", "text", "embedding"]
    probed = out.mapInArrow(_where_fn(), StructType(out.schema.fields + [StructField("where", StringType())]))
    got = sorted(probed.collect(), key=lambda r: r.id)
    assert len(got) == n + 3
    workers = spark_cluster["workers"]
    per_worker: dict[Path, int] = {}
    for r in got:
        where = json.loads(r.where)
        worker = _under(where["cwd"], workers)
        assert worker is not None, f"row {r.id} ran in {where['cwd']}, not in a worker's work dir"
        per_worker[worker] = per_worker.get(worker, 0) + 1
        for key in ("prefix", "exe", "m2v"):  # the archive unpacked in that executor, not the driver's venv
            assert _under(where[key], [worker]) is not None, (key, where[key], worker)
            assert _under(where[key], [Path(sys.prefix)]) is None, (key, where[key])
        if r.id >= n:
            assert r.text is None and r.embedding is None
            continue
        vec = np.array(r.embedding, dtype=np.float32)
        assert vec.tobytes() == reference[r.id].tobytes(), f"row {r.id}"
    assert sorted(per_worker) == sorted(workers), f"rows per worker: {per_worker}"

    # The Python workers' model loads (worker reuse makes later tasks find the embedding ones):
    # each loaded SparkFiles.get("single-label") of its own executor, once.
    probe = spark.range(0, 64, 1, 16).mapInArrow(_where_fn(), "id long, where string").collect()
    loaded = {}
    for r in probe:
        where = json.loads(r.where)
        for path, count in where["loads"].items():
            assert count == 1, where
            worker = _under(path, workers)
            assert worker is not None and os.path.basename(path) == "single-label", where
            assert _under(where["cwd"], [worker]), where
            loaded[worker] = path
    assert loaded, f"no probed Python worker had loaded the model: {probe[:4]}"

    other = tmp_path / "other"
    shutil.copytree(SMALL, other)
    (other / "extra.txt").write_text("not the same folder")
    with pytest.raises(ValueError, match="another model"):
        ship(spark, other, name="single-label")
    with pytest.raises(ValueError, match="plain file name"):
        shipped("a/b")
    with pytest.raises(TypeError, match="one of model and model_path"):
        embed(df, "text")
    missing = embed(df, "text", shipped("not-shipped"))
    with pytest.raises(Exception, match="no shipped model folder 'not-shipped'"):
        missing.collect()


def test_spark_throughput(spark, bench_model, bench_texts):
    """20,000 texts embedded by 1 worker (the DataFrame as one partition) and by 2 (two
    partitions on the two one-core executors), cached on the executors first and written to the
    noop sink, so the time is the embed and the JVM <-> Python Arrow transfer; best of 3 warm
    runs. The first 2,000 vectors of the model used are checked against the driver too."""
    from m2v_native.spark import embed, ship

    model = ship(spark, bench_model, name="bench-" + bench_model.name)
    head = bench_texts[:2000]
    ref = m2v_native.StaticModel.from_pretrained(bench_model).encode(head)
    got = sorted(embed(spark.createDataFrame(list(enumerate(head)), "id long, text string").repartition(2),
                       "text", model).collect(), key=lambda r: r.id)
    assert all(np.array(r.embedding, dtype=np.float32).tobytes() == ref[r.id].tobytes() for r in got)

    frames = {}
    for parts in (1, 2):
        df = spark.createDataFrame([(t,) for t in bench_texts], "text string").repartition(parts).cache()
        assert df.count() == N_BENCH
        frames[parts] = df
    run = {p: (lambda df=df: embed(df, "text", model).write.format("noop").mode("overwrite").save())
           for p, df in frames.items()}
    run[2]()  # warm-up: both executors' Python workers start and load the model
    plain = _plain_rate(bench_model, bench_texts)
    rows = [(parts, _Runs(run[parts]), None) for parts in (1, 2)]
    _table(f"Spark standalone, {bench_model.name}: executors of 1 core, 512 MB on 127.0.0.1 "
           f"(plain encode in the driver, n_threads=1: {plain:,.0f} texts/s)", "worker", rows)
    for df in frames.values():
        df.unpersist()


# --------------------------------------------------------------------------------------------
# Ray: a head node and a second node
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster():
    try:
        import ray
        import ray.data
    except ImportError as exc:
        _unavailable(f"ray[data]: {exc}")
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    tmp = Path(tempfile.mkdtemp(prefix="m2vray"))  # short: Ray's socket paths live under it
    env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")  # loopback only
    port = _free_port()
    procs = _Procs(tmp)
    nodes = {}
    common = ["--block", "--disable-usage-stats", "--node-ip-address=127.0.0.1", "--num-cpus=1",
              "--object-store-memory=100000000"]
    try:
        t = time.perf_counter()
        for name, extra in (("head", ["--head", f"--port={port}", "--include-dashboard=false"]),
                            ("node2", [f"--address=127.0.0.1:{port}"])):
            (tmp / name).mkdir()
            (tmp / f"{name}-tmp").mkdir()
            lo = 20000 if name == "head" else 21000
            args = [ray_bin, "start", *common, *extra, f'--resources={{"{name}": 1}}',
                    f"--temp-dir={tmp / name}", f"--dashboard-agent-listen-port={_free_port()}",
                    f"--min-worker-port={lo}", f"--max-worker-port={lo + 99}"]
            procs.start(name, args, dict(env, TMPDIR=str(tmp / f"{name}-tmp")))
            procs.wait_for(name, "Ray runtime started")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("RAY_AUTH_MODE", "disabled")
            ray.init(address=f"127.0.0.1:{port}", log_to_driver=False, configure_logging=False)
            try:
                end = time.monotonic() + 60
                while True:
                    alive = [n for n in ray.nodes() if n["Alive"]]
                    if len(alive) == 2:
                        break
                    if time.monotonic() > end:
                        raise RuntimeError(f"2 Ray nodes expected, have {alive}")
                    time.sleep(0.2)
                for n in alive:
                    name = "head" if "head" in n["Resources"] else "node2"
                    nodes[n["NodeID"]] = tmp / f"{name}-tmp"
                print(f"ray: 2 nodes up in {time.perf_counter() - t:.1f} s")
                ctx = ray.data.DataContext.get_current()
                ctx.enable_progress_bars = False
                # Start a pool's work only once all its actors are up: otherwise the first actor
                # ready (the head's: no object-store transfer) takes a small dataset alone.
                ctx.wait_for_min_actors_s = 120
                yield {"ray": ray, "nodes": nodes}
            finally:
                ray.shutdown()
    finally:
        # Inside this PID namespace `ray stop` sees only this test's Ray processes.
        subprocess.run([ray_bin, "stop", "--force"], env=env, capture_output=True, timeout=60)
        procs.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _stack(column) -> np.ndarray:
    return np.stack([np.asarray(v, dtype=np.float32) for v in column])


def _probe_class():
    """An Embedder that tags each row with its actor's node and model folder (defined here, so
    cloudpickle ships it by value)."""
    from m2v_native.ray_data import Embedder

    class Probe(Embedder):
        def __call__(self, batch):
            import ray

            t0, start = time.time(), time.perf_counter()
            out = super().__call__(batch)
            rows = len(out["text"])
            out["node"] = np.array([ray.get_runtime_context().get_node_id()] * rows)
            out["model_dir"] = np.array([self.model_dir] * rows)
            out["m2v"] = np.array([m2v_native.__file__] * rows)
            out["busy"] = np.full(rows, (time.perf_counter() - start) / max(rows, 1))
            out["t0"], out["t1"] = np.full(rows, t0), np.full(rows, time.time())
            out["pid"], out["cpu"] = np.full(rows, os.getpid()), np.full(rows, time.process_time())
            return out

    return Probe


def test_ray_two_nodes_object_store_model(ray_cluster, cluster_texts):
    """2 actors (one CPU each, one CPU per node) embed the texts with the model from the object
    store: identical vectors, rows from both nodes, each node's actor loaded its own copy, written
    under that node's TMPDIR."""
    from m2v_native.ray_data import ShippedModel, embed_dataset, ship

    ray, nodes = ray_cluster["ray"], ray_cluster["nodes"]
    reference = m2v_native.StaticModel.from_pretrained(SMALL).encode(cluster_texts)
    model = ship(SMALL)
    assert isinstance(model, ShippedModel) and model.name == "single-label"
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(cluster_texts)], override_num_blocks=8)
    out = ds.map_batches(_probe_class(), fn_constructor_kwargs={"model": model}, batch_size=100,
                         batch_format="numpy", num_cpus=1, compute=ray.data.ActorPoolStrategy(size=2))
    df = out.to_pandas().sort_values("id")
    assert df["id"].tolist() == list(range(len(cluster_texts)))
    assert _stack(df["embedding"]).tobytes() == reference.tobytes()
    assert set(df["node"]) == set(nodes), f"rows per node: {df['node'].value_counts().to_dict()}"
    for node, dirs in df.groupby("node")["model_dir"]:
        (folder,) = set(dirs)
        assert _under(folder, [nodes[node]]) is not None, (node, folder, nodes[node])
        assert os.path.isfile(os.path.join(folder, "model.safetensors"))
    # the nodes run the wheel (PYTHONPATH of `ray start`), as the driver does
    assert set(df["m2v"]) == {m2v_native.__file__}

    # embed_dataset takes it too (model= or the former model_path=)
    out = embed_dataset(ds, model_path=model, batch_size=500, concurrency=2).to_pandas().sort_values("id")
    assert _stack(out["embedding"]).tobytes() == reference.tobytes()


def test_ray_throughput(ray_cluster, bench_model, bench_texts):
    """20,000 texts through a pool of 1 actor (one node) and of 2 actors (both nodes), model from
    the object store, result materialized in the object store; best of 2. Each run is a new
    actor pool (actor start + model load are in the wall time); "once the actors are up" is the
    span from the first batch's start to the last batch's end in the actors."""
    from m2v_native.ray_data import ship

    ray, nodes = ray_cluster["ray"], ray_cluster["nodes"]
    model = ship(bench_model)
    ds = ray.data.from_items([{"text": t} for t in bench_texts], override_num_blocks=8).materialize()
    Probe = _probe_class()
    spans: dict[int, float] = {}

    def run(actors: int) -> None:
        out = ds.map_batches(Probe, fn_constructor_kwargs={"model": model}, batch_size=2500,
                             batch_format="numpy", num_cpus=1,
                             compute=ray.data.ActorPoolStrategy(size=actors)).materialize()
        stats = out.select_columns(["node", "t0", "t1", "pid", "cpu"]).to_pandas()
        assert len(stats) == N_BENCH
        assert stats["node"].nunique() == actors, stats["node"].value_counts().to_dict()
        span = stats["t1"].max() - stats["t0"].min()
        spans[actors] = min(spans.get(actors, float("inf")), span)
        # each actor's process: its CPU time at its last batch (start-up and model load included)
        return float(stats.groupby("pid")["cpu"].max().sum()), set(stats["pid"].tolist())

    run(2)  # warm-up: the model written on both nodes
    spans.clear()
    plain = _plain_rate(bench_model, bench_texts)
    rows = [(actors, _Runs(lambda: run(actors), runs=2), None) for actors in (1, 2)]
    rows = [(n, r, f"{N_BENCH / spans[n]:,.0f}") for n, r, _ in rows]
    _table(f"Ray, {bench_model.name}: nodes of 1 CPU, object store 100 MB on 127.0.0.1 "
           f"(plain encode in the driver, n_threads=1: {plain:,.0f} texts/s)", "node", rows,
           extra="texts/s once the actors are up")
    assert len(nodes) == 2
