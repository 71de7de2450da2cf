"""The portal's official holiday calendar (法定节假日安排), for deadlines counted in working days.

A day is a working day by the plain weekend rule (Monday to Friday) unless the State Council's arrangement
(国务院办公厅关于部分节假日安排的通知) says otherwise. Only those exceptions are stored: a public holiday
that falls on a weekday, and a make-up workday (调休上班) that falls on a weekend.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

FIRST_CALENDAR_YEAR = 2000
LAST_CALENDAR_YEAR = 2100


class CalendarYear(models.Model):
    """One year's holiday arrangement. Until it is complete, deadlines in that year count weekends only."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    is_complete = models.BooleanField(
        _("arrangement complete"),
        default=False,
        help_text=_("The whole arrangement of this year is entered; deadlines use it."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_CALENDAR_YEAR) & models.Q(year__lte=LAST_CALENDAR_YEAR),
                name="workdays_calendar_year_range",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class SpecialDay(models.Model):
    """A day that breaks the weekend rule: a holiday on a weekday, or a make-up workday (调休) on a weekend."""

    date = models.DateField(_("date"), primary_key=True)
    year = models.ForeignKey(
        CalendarYear,
        on_delete=models.PROTECT,
        related_name="special_days",
        verbose_name=_("calendar year"),
    )
    is_workday = models.BooleanField(
        _("make-up workday"), help_text=_("Worked although it is a weekend day (调休上班); otherwise a holiday.")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("The holiday it belongs to, e.g. 国庆节."))

    class Meta:
        ordering = ["date"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        constraints = [
            models.CheckConstraint(condition=models.Q(date__year=models.F("year")), name="workdays_day_in_its_year"),
            # Anything else agrees with the weekend rule and is not stored: a holiday on a Saturday changes nothing.
            models.CheckConstraint(
                condition=(
                    models.Q(is_workday=True, date__iso_week_day__gte=6)
                    | models.Q(is_workday=False, date__iso_week_day__lte=5)
                ),
                name="workdays_day_breaks_weekend_rule",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="workdays_day_has_a_name"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"

    @property
    def kind_label(self) -> str:
        return str(_("Make-up workday") if self.is_workday else _("Holiday"))
