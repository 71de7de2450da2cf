def test_users_fixture_builds_every_role(users):
    assert {u.role for u in users.values()} == {
        "city_admin",
        "district_officer",
        "inspector",
        "operator",
        "training_base",
        "mch_assessor",
        "statistics_client",
    }
