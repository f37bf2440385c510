"""Keys over HTTP: an admin makes one (its secret shown once), lists them (never a secret), and
revokes one, which every later request with it then meets."""

from __future__ import annotations

from tests.api import ACCUSATION, problem_of


def test_an_admin_makes_lists_and_revokes_keys(client, admin_key, reporter, dsn):
    made = client.post("/v1/keys", json={"name": "field-desk", "role": "reporter"}, headers=admin_key)
    assert made.status_code == 201, made.get_json()
    secret = made.get_json()["key"]
    assert secret.startswith("cfl_") and made.get_json()["role"] == "reporter"
    desk = {"Authorization": f"Bearer {secret}"}
    assert client.post("/v1/events", json=ACCUSATION, headers=desk).status_code == 201

    listed = client.get("/v1/keys", headers=admin_key).get_json()["items"]
    ours = next(key for key in listed if key["name"] == "field-desk")
    assert set(ours) == {"name", "role", "created_at", "revoked_at"} and ours["revoked_at"] is None
    assert secret not in client.get("/v1/keys", headers=admin_key).get_data(as_text=True)

    taken = problem_of(client.post("/v1/keys", json={"name": "field-desk", "role": "admin"}, headers=admin_key), 409)
    assert "field-desk" in taken["detail"]

    assert client.delete("/v1/keys/field-desk", headers=admin_key).status_code == 204
    problem_of(client.post("/v1/events", json=ACCUSATION, headers=desk), 401)
    again = problem_of(client.delete("/v1/keys/field-desk", headers=admin_key), 404)
    assert again["detail"] == "No live key named field-desk. It was revoked already."
    problem_of(client.delete("/v1/keys/nobody", headers=admin_key), 404)


def test_only_an_admin_handles_keys_and_a_secret_is_never_kept_to_replay(client, admin_key, reporter):
    problem_of(client.post("/v1/keys", json={"name": "x", "role": "reporter"}, headers=reporter), 403)
    problem_of(client.get("/v1/keys", headers=reporter), 403)
    problem_of(client.get("/v1/keys"), 401)
    problem_of(client.delete("/v1/keys/monitor", headers=reporter), 403)
    bad = problem_of(client.post("/v1/keys", json={"name": "x", "role": "king"}, headers=admin_key), 422)
    assert "role" in bad["errors"]
    # The answer holds a secret the service does not keep: a retry cannot be replayed from storage.
    replay = problem_of(
        client.post("/v1/keys", json={"name": "y", "role": "reporter"}, headers={**admin_key, "Idempotency-Key": "k1"}),
        400,
    )
    assert "shown once and never stored" in replay["detail"]
    assert "y" not in [key["name"] for key in client.get("/v1/keys", headers=admin_key).get_json()["items"]]
