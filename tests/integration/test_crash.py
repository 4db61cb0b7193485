# SPDX-License-Identifier: Apache-2.0
"""test_crash — crash safety. Client threads stream registrations of distinct schemas;
after a given number of acknowledgements (not after a sleep) the server is SIGKILLed.
On restart over the same database every acknowledged registration must be there with
the same id and version, and new ids must be above every earlier one."""

import http.client
import json
import shutil
import threading

from srtest import Server, avro_record, check, eq, expect_status, fail, q, test, V1

THREADS = 4
SUBJECTS = 3          # threads share subjects, so version allocation is contended too
KILL_AFTER = 300      # acknowledgements before SIGKILL, per round
PER_THREAD_LIMIT = 2000
ACK_WAIT = 300        # seconds: bound on waiting for the acknowledgements


def _schema(round_no, thread_no, i):
    return avro_record("Crash_r%d_t%d_%d" % (round_no, thread_no, i),
                       [{"name": "n%d" % i, "type": "long"}])


def _stream(srv, round_no, acks, lock, enough):
    """Starts THREADS registration threads; each records (subject, id, version, schema)
    for every 200 it gets and stops at its first failure (the server being killed)."""
    port = srv.port

    def worker(t):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for i in range(PER_THREAD_LIMIT):
                subject = "crash-%d" % ((t + i) % SUBJECTS)
                schema = _schema(round_no, t, i)
                body = json.dumps({"schema": schema}).encode()
                try:
                    conn.request("POST", "/subjects/%s/versions" % q(subject), body=body,
                                 headers={"Content-Type": V1})
                    r = conn.getresponse()
                    data = r.read()
                except (OSError, http.client.HTTPException):
                    return
                if r.status != 200:
                    with lock:
                        acks.append(("error", r.status, data[:200]))
                        enough.notify_all()
                    return
                j = json.loads(data)
                with lock:
                    acks.append((subject, j["id"], j.get("version"), schema))
                    if len(acks) >= KILL_AFTER:
                        enough.notify_all()
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(THREADS)]
    for th in threads:
        th.start()
    return threads


def _verify(srv, acks):
    ids = {}
    versions = set()
    for subject, sid, version, schema in acks:
        check(isinstance(version, int), "acknowledged registration without a version: %r" % ((subject, sid),))
        check((subject, version) not in versions, "two acknowledgements for %s v%d" % (subject, version))
        versions.add((subject, version))
        check(ids.setdefault(sid, schema) == schema, "id %d acknowledged for two schemas" % sid)
        r = srv.get("/subjects/%s/versions/%d" % (q(subject), version))
        if r.status != 200:
            fail("acknowledged %s v%d (id %d) lost after SIGKILL: %r" % (subject, version, sid, r))
        eq(r.json.get("id"), sid, "id of acknowledged %s v%d" % (subject, version))
        eq(r.json.get("schema"), schema, "schema of acknowledged %s v%d" % (subject, version))
        r = srv.get("/schemas/ids/%d" % sid)
        eq(r.status, 200, "acknowledged id %d resolvable" % sid)
        eq(r.json.get("schema"), schema, "schema of id %d" % sid)


def _max_stored_id(srv):
    best, offset = 0, 0
    while True:
        r = expect_status(srv.get("/schemas?deleted=true&offset=%d&limit=1000" % offset), 200)
        if not r.json:
            return best
        best = max([best] + [x["id"] for x in r.json])
        offset += len(r.json)


@test(needs_server=False)
def test_sigkill_loses_no_acknowledged_registration(binary):
    srv = Server(binary).start()
    dbdir = srv.dir
    all_acks = []
    try:
        expect_status(srv.put("/config", {"compatibility": "NONE"}), 200)
        for round_no in range(3):
            acks = []
            lock = threading.Lock()
            enough = threading.Condition(lock)
            threads = _stream(srv, round_no, acks, lock, enough)
            with lock:
                ok = enough.wait_for(lambda: len(acks) >= KILL_AFTER or any(a[0] == "error" for a in acks),
                                     timeout=ACK_WAIT)
            errors = [a for a in acks if a[0] == "error"]
            if errors:
                srv.kill()
                fail("registration refused during streaming: %r" % (errors[0],))
            check(ok, "only %d acknowledgements within %ds" % (len(acks), ACK_WAIT))
            srv.kill()  # SIGKILL while the threads are still registering
            for th in threads:
                th.join(120)
                check(not th.is_alive(), "client thread did not stop after the server died")
            with lock:
                round_acks = list(acks)
            check(len(round_acks) >= KILL_AFTER, "acknowledgements: %d" % len(round_acks))
            all_acks.extend(round_acks)
            # restart on the same database file
            srv = Server(binary, db_dir=dbdir).start()
            _verify(srv, all_acks)
            highest = max(a[1] for a in all_acks)
            stored = _max_stored_id(srv)
            check(stored >= highest, "stored max id %d below acknowledged %d" % (stored, highest))
            r = srv.register("after-crash-%d" % round_no, avro_record("After%d" % round_no, []))
            check(r.json["id"] > stored,
                  "new id %d after restart is not above every earlier id (max %d)" % (r.json["id"], stored))
            eq(srv.get("/config").json.get("compatibilityLevel"), "NONE", "global config survived")
        srv.stop()
    finally:
        srv.kill()
        shutil.rmtree(dbdir, ignore_errors=True)


@test(needs_server=False)
def test_sigkill_keeps_acknowledged_deletes_config_and_registrations_made_together(binary):
    srv = Server(binary).start()
    dbdir = srv.dir
    try:
        expect_status(srv.put("/config", {"compatibility": "NONE"}), 200)
        for i in range(60):
            srv.register("k%d" % i, avro_record("K%d" % i, []))
        done = {"soft": [], "config": [], "registered": []}
        lock = threading.Lock()

        def deleter():
            for i in range(0, 60, 2):
                try:
                    r = srv.delete("/subjects/k%d" % i)
                except OSError:
                    return
                if r.status == 200:
                    with lock:
                        done["soft"].append(i)

        def configurer():
            for i in range(1, 60, 2):
                try:
                    r = srv.put("/config/k%d" % i, {"compatibility": "FULL"})
                except OSError:
                    return
                if r.status == 200:
                    with lock:
                        done["config"].append(i)

        def registrar():
            # registrations meanwhile: their batches are committed between the other writes
            for i in range(60):
                try:
                    r = srv.register("m%d" % i, avro_record("M%d" % i, []), expect=None)
                except OSError:
                    return
                if r.status == 200:
                    with lock:
                        done["registered"].append((i, r.json["id"]))

        threads = [threading.Thread(target=deleter), threading.Thread(target=configurer),
                   threading.Thread(target=registrar)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        # all acknowledged; now kill without a clean shutdown
        srv.kill()
        srv = Server(binary, db_dir=dbdir).start()
        live = set(srv.get("/subjects").json)
        for i in done["soft"]:
            check("k%d" % i not in live, "acknowledged soft delete of k%d lost" % i)
        for i in done["config"]:
            eq(srv.get("/config/k%d" % i).json.get("compatibilityLevel"), "FULL", "config of k%d" % i)
        for i, sid in done["registered"]:
            eq(srv.get("/subjects/m%d/versions/1" % i).json.get("id"), sid, "registration of m%d" % i)
        eq(len(done["soft"]) + len(done["config"]), 60, "every operation acknowledged")
        eq(len(done["registered"]), 60, "every registration acknowledged")
        srv.stop()
    finally:
        srv.kill()
        shutil.rmtree(dbdir, ignore_errors=True)


@test(needs_server=False)
def test_sigkill_after_hard_delete_of_highest_id_never_reuses_it(binary):
    srv = Server(binary).start()
    dbdir = srv.dir
    try:
        expect_status(srv.put("/config", {"compatibility": "NONE"}), 200)
        srv.register("keep", avro_record("Keep", []))
        top = srv.register("drop", avro_record("Drop", [])).json["id"]
        expect_status(srv.delete("/subjects/drop"), 200)
        expect_status(srv.delete("/subjects/drop?permanent=true"), 200)
        srv.kill()
        srv = Server(binary, db_dir=dbdir).start()
        new = srv.register("fresh", avro_record("Fresh", [])).json["id"]
        check(new > top, "id %d handed out again after a crash (hard-deleted id was %d)" % (new, top))
        again = srv.register("drop", avro_record("Drop", [])).json["id"]
        check(again > new, "re-registered hard-deleted schema must get a new id: %d" % again)
        srv.stop()
    finally:
        srv.kill()
        shutil.rmtree(dbdir, ignore_errors=True)
