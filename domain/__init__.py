"""Berkas domain: the case aggregates, their events, reference data and use cases.

Importing the package registers every event topic, so stored events always resolve.
"""

from domain.enforcement import EnforcementCase
from domain.joint_operation import JointOperation
from domain.lifecycle import lifecycles
from domain.passport import PassportApplication
from domain.revenue_target import RevenueTarget
from domain.stay_permit import StayPermit
from domain.subject import DataSubject
from domain.user import User

CASE_KINDS = (PassportApplication, StayPermit, EnforcementCase, JointOperation, RevenueTarget)
LIFECYCLES = lifecycles(CASE_KINDS)

__all__ = [
    "CASE_KINDS",
    "LIFECYCLES",
    "DataSubject",
    "EnforcementCase",
    "JointOperation",
    "PassportApplication",
    "RevenueTarget",
    "StayPermit",
    "User",
]
