from services.contributions import Rates, insurable_salary, monthly

RATES = Rates()


def test_default_rates_match_the_law():
    assert (RATES.base_salary, RATES.cap_multiple, RATES.employer_permille, RATES.employee_permille) == (
        2_340_000, 20, 215, 105)
    assert RATES.cap == 46_800_000


def test_below_and_at_and_above_the_cap():
    assert monthly(10_000_000, RATES) == {"employer": 2_150_000, "employee": 1_050_000, "total": 3_200_000}
    assert monthly(46_800_000, RATES) == monthly(200_000_000, RATES) == {
        "employer": 10_062_000, "employee": 4_914_000, "total": 14_976_000}
    assert insurable_salary(50_000_000, RATES) == 46_800_000


def test_rounding_is_half_up_to_whole_vnd_and_parts_add_up():
    # 2 * 215 / 1000 = 0.43 -> 0; 3 * 215 / 1000 = 0.645 -> 1; 10 * 105 / 1000 = 1.05 -> 1
    assert monthly(2, RATES)["employer"] == 0
    assert monthly(3, RATES)["employer"] == 1
    assert monthly(10, RATES)["employee"] == 1
    for salary in (1, 7, 1_234_567, 9_999_999, 46_799_999):
        c = monthly(salary, RATES)
        assert c["employer"] + c["employee"] == c["total"]
        assert abs(c["employer"] - salary * 0.215) <= 0.5 and abs(c["employee"] - salary * 0.105) <= 0.5


def test_rates_from_config():
    r = Rates.from_config({"BASE_SALARY_VND": 1_800_000, "CONTRIBUTION_CAP_MULTIPLE": 20,
                           "EMPLOYER_RATE_PERMILLE": 175, "EMPLOYEE_RATE_PERMILLE": 80})
    assert r.cap == 36_000_000
    assert monthly(40_000_000, r) == {"employer": 6_300_000, "employee": 2_880_000, "total": 9_180_000}
