# Copyright 2026 crm_pipeline_pilot authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The rule "dated next action", defined once: an activity proves that the
salesperson planned the next step of an opportunity when it is planned
(active), has a deadline and was planned by a person. The application's own
activities prove nothing: the follow-ups and the escalation to the team
leader (their follow-up step, or an automated activity of the add-on's
"Follow-up" type when the step was deleted).

The same rule as a domain of activities (searches, the gate) and as a test of
the values of one activity (the computes of the cards, which read the values
of all the activities at once)."""

# What the rule reads of an activity, besides whether it is active (read with
# the activities of a document, see mail.activity)
ACTIVITY_FIELDS = ("date_deadline", "pilot_follow_up_step_id", "automated", "activity_type_id")

# What a field of the opportunity computed from the rule depends on
LEAD_DEPENDS = tuple(f"activity_ids.{name}" for name in ACTIVITY_FIELDS)

# The context key of the reads of an opportunity's activities (the context of
# crm.lead's activity_ids): they come with ACTIVITY_FIELDS in the same query
# (see mail.activity._determine_fields_to_fetch)
READS_CONTEXT_KEY = "pilot_next_action_reads"


def activity_domain(follow_up_type_id):
    """The domain of the activities that prove a dated next action
    (``follow_up_type_id``: the id of the "Follow-up" activity type, 0 when
    deleted)."""
    return [
        ("active", "=", True),
        ("date_deadline", "!=", False),
        ("pilot_follow_up_step_id", "=", False),
        "|",
        ("automated", "=", False),
        ("activity_type_id", "!=", follow_up_type_id),
    ]


def is_next_action(active, deadline, step_id, automated, activity_type_id, follow_up_type_id):
    """Whether an activity with these values proves a dated next action (the
    domain above, on values already read)."""
    return bool(
        active
        and deadline
        and not step_id
        and not (automated and activity_type_id == follow_up_type_id)
    )
