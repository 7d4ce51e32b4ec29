"""Registers the vacancies with the statistics layer (issue 17 point 5; definitions in
``fugong.stats.jobs``): open vacancies, what they still lack, the vacancies posted and filled,
placed by the posting enterprise's jurisdiction and counted by its industry section as the
registry holds it."""


def register() -> None:
    from fugong.stats.sources import VacancySource, register_vacancies
    from fugong.vacancies.models import Vacancy
    from fugong.vacancies.selectors import open_q

    register_vacancies(
        VacancySource(
            vacancies=Vacancy,
            headcount="headcount",
            filled="filled",
            is_open=open_q,
            published_at="published_at",
            enterprise="enterprise_id",
            place_path="enterprise__jurisdiction__path",
            section=("enterprise__industry__parent__code", "enterprise__industry__parent__name"),
        )
    )
