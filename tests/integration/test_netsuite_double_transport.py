"""Transport behaviour of the NetSuite double: concurrency limit (429), latency, fault injection,
keep-alive and stop (docs/reference/netsuite.md §2.1, §2.3, §8.7)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from offline.netsuite_double import AuthConfig, FaultConfig, NetSuiteDouble

RECORD = "/services/rest/record/v1"
TOKEN = "/services/rest/auth/oauth2/v1/token"
THROTTLED = {
    "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "Bad Request",
    "status": 429,
    "o:errorCode": "USER_ERROR",
    "o:errorDetails": [
        {
            "detail": "Concurrent request limit exceeded. Request blocked.",
            "o:errorCode": "CONCURRENCY_LIMIT_EXCEEDED",
        }
    ],
}
SEED = {"subsidiary": [{"id": "1", "name": "Parent Company"}]}
CUSTOMER = {"companyName": "Acme", "subsidiary": {"id": "1"}}


@pytest.fixture
def make_double(tmp_path):
    created = []

    def make(**kwargs) -> NetSuiteDouble:
        double = NetSuiteDouble(tmp_path / str(len(created)), SEED, **kwargs)
        double.start()
        created.append(double)
        return double

    yield make
    for double in created:
        double.close()


def tba_session(double: NetSuiteDouble) -> requests.Session:
    """TBA keeps these tests independent of the token endpoint."""
    from requests_oauthlib import OAuth1

    cfg = double.auth_config
    session = requests.Session()
    session.auth = OAuth1(
        cfg.consumer_key,
        cfg.consumer_secret,
        cfg.token_id,
        cfg.token_secret,
        realm=cfg.realm,
        signature_method="HMAC-SHA256",
    )
    return session


def put_customer(double, session=None, eid="SF-001", **kwargs) -> requests.Response:
    session = session or tba_session(double)
    kwargs.setdefault("timeout", 5)
    return session.put(f"{double.base_url}{RECORD}/customer/eid:{eid}", json=CUSTOMER, **kwargs)


def exists(double, eid="SF-001") -> bool:
    response = tba_session(double).get(f"{double.base_url}{RECORD}/customer/eid:{eid}", timeout=5)
    return response.status_code == 200


# --- concurrency governance -----------------------------------------------------------------------


def test_burst_beyond_the_limit_gets_the_verbatim_429_and_in_flight_stays_within_it(make_double):
    double = make_double(latency_s=0.25, concurrency_limit=3)
    barrier = threading.Barrier(10)

    def call(n):
        session = tba_session(double)
        barrier.wait()
        return session.get(f"{double.base_url}{RECORD}/customer/{n}", timeout=5)

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(call, range(10)))

    throttled = [r for r in responses if r.status_code == 429]
    assert throttled, "a burst of 10 against a limit of 3 must be throttled"
    assert all(r.json() == THROTTLED for r in throttled)
    assert {r.status_code for r in responses} <= {404, 429}
    stats = double.stats
    assert 1 <= stats["max_in_flight"] <= 3
    assert stats["throttled_429"] == len(throttled)
    assert stats["requests"] == 10


def test_client_that_respects_the_limit_is_never_throttled(make_double):
    double = make_double(latency_s=0.02, concurrency_limit=2)
    slots = threading.Semaphore(2)

    def call(n):
        with slots:
            return put_customer(double, eid=f"SF-{n}").status_code

    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(call, range(24)))

    assert set(codes) == {204}
    assert double.stats["max_in_flight"] == 2
    assert double.stats["throttled_429"] == 0


def test_latency_is_added_to_each_request(make_double):
    double = make_double(latency_s=0.15)
    started = time.monotonic()

    put_customer(double)

    assert time.monotonic() - started >= 0.15


# --- fault injection ------------------------------------------------------------------------------


def test_injected_429_is_verbatim_and_counted(make_double):
    double = make_double(faults=FaultConfig(rate_429=1.0))

    response = put_customer(double)

    assert response.status_code == 429
    assert response.json() == THROTTLED
    assert double.stats["faults_injected"] == 1
    double.faults.rate_429 = 0.0
    assert not exists(double)


def test_injected_500_before_the_write_leaves_no_record(make_double):
    double = make_double(faults=FaultConfig(rate_500=1.0))

    response = put_customer(double)

    assert response.status_code == 500
    body = response.json()
    assert body["title"] == "Internal Server Error" and body["status"] == 500
    assert body["o:errorDetails"][0]["o:errorCode"] == "UNEXPECTED_ERROR"
    assert body["o:errorDetails"][0]["detail"].startswith(
        "An unexpected error occurred. Error ID: "
    )
    assert response.headers["Content-Type"] == "application/vnd.oracle.resource+json; type=error"
    double.faults.rate_500 = 0.0
    assert not exists(double)


def test_injected_500_after_the_write_lands_the_record(make_double):
    double = make_double(faults=FaultConfig(rate_500=1.0, after_write=True))

    assert put_customer(double).status_code == 500

    double.faults = FaultConfig()
    assert exists(double)
    assert double.stats["writes"] == 1


def test_injected_503_has_an_empty_body(make_double):
    double = make_double(faults=FaultConfig(rate_503=1.0))

    response = put_customer(double)

    assert response.status_code == 503
    assert response.content == b""


@pytest.mark.parametrize("after_write", [False, True])
def test_injected_timeout_holds_then_drops_the_request(make_double, after_write):
    double = make_double(
        faults=FaultConfig(rate_timeout=1.0, timeout_s=0.4, after_write=after_write)
    )

    with pytest.raises(requests.exceptions.ReadTimeout):
        put_customer(double, timeout=(2, 0.2))

    time.sleep(0.3)
    double.faults.rate_timeout = 0.0
    assert exists(double) is after_write


def test_timed_out_request_is_closed_without_an_answer(make_double):
    double = make_double(faults=FaultConfig(rate_timeout=1.0, timeout_s=0.1))

    with pytest.raises(requests.exceptions.ConnectionError):
        put_customer(double, timeout=5)


@pytest.mark.parametrize("after_write", [False, True])
def test_injected_reset_closes_the_socket_without_a_response(make_double, after_write):
    double = make_double(faults=FaultConfig(rate_reset=1.0, after_write=after_write))

    with pytest.raises(requests.exceptions.ConnectionError):
        put_customer(double)

    double.faults.rate_reset = 0.0
    assert exists(double) is after_write


def test_reads_are_faulted_before_handling_even_with_after_write(make_double):
    double = make_double(faults=FaultConfig(rate_500=1.0, after_write=True))

    response = tba_session(double).get(f"{double.base_url}{RECORD}/customer/1", timeout=5)

    assert response.status_code == 500


def test_fault_sequence_is_deterministic_for_a_seed(make_double):
    def run(double):
        session = tba_session(double)
        return [put_customer(double, session, eid=f"E{n}").status_code for n in range(12)]

    first = run(make_double(faults=FaultConfig(rate_429=0.3, rate_503=0.3, seed=7)))
    second = run(make_double(faults=FaultConfig(rate_429=0.3, rate_503=0.3, seed=7)))

    assert first == second
    assert {204, 429, 503} <= set(first)


def test_token_endpoint_is_never_faulted(make_double):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec

    double = make_double(faults=FaultConfig(rate_500=1.0), auth=AuthConfig())
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": "offline-client",
            "scope": "rest_webservices",
            "aud": double.base_url + TOKEN,
            "iat": now,
            "exp": now + 60,
        },
        ec.generate_private_key(ec.SECP256R1()),
        algorithm="ES256",
        headers={"kid": "offline-kid"},
    )

    response = requests.post(
        double.base_url + TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
        timeout=5,
    )

    assert response.status_code == 200
    stats = double.stats
    assert stats["faults_injected"] == 0
    assert stats["token_requests"] == 1
    assert stats["requests"] == 0 and stats["by_route"] == {}


# --- HTTP plumbing --------------------------------------------------------------------------------


def test_keep_alive_connection_serves_many_requests(make_double):
    double = make_double()
    session = tba_session(double)

    codes = [put_customer(double, session, eid=f"K{n}").status_code for n in range(5)]
    response = session.get(f"{double.base_url}{RECORD}/customer/eid:K4", timeout=5)

    assert codes == [204] * 5
    assert response.headers.get("Connection", "keep-alive").lower() != "close"
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_stop_closes_the_port_and_open_connections(make_double):
    double = make_double()
    session = tba_session(double)
    assert put_customer(double, session).status_code == 204

    double.stop()

    with pytest.raises(requests.exceptions.ConnectionError):
        put_customer(double, session, eid="SF-002")
