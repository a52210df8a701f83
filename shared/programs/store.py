"""Programs and commission plans."""

from __future__ import annotations

from shared.core import keys
from shared.core.dynamo import NOT_EXISTS, ConditionFailed, Table
from shared.core.errors import Conflict, NotFound
from shared.core.pagination import query_partition
from shared.programs.models import CommissionPlan, Program


class ProgramRepository:
    """Reads and writes the program item and its commission plans."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def get(self, program_id: str) -> Program:
        """The program, or NotFound (the deployment has not been set up)."""
        program = self.find(program_id)
        if program is None:
            raise NotFound(f"program {program_id!r} is not set up; PUT /admin/program first", code="program_not_found")
        return program

    def find(self, program_id: str) -> Program | None:
        """The program, or None."""
        item = self.table.get(keys.program(program_id))
        return Program.from_item(item) if item else None

    def save(self, program: Program) -> None:
        """Create or replace the program's settings."""
        self.table.put(program.to_item())

    def create_plan(self, plan: CommissionPlan) -> None:
        """Store a new plan; a plan id already taken is a Conflict."""
        try:
            self.table.put(plan.to_item(), condition=NOT_EXISTS)
        except ConditionFailed as error:
            raise Conflict(f"commission plan {plan.plan_id!r} already exists", code="plan_exists") from error

    def find_plan(self, program_id: str, plan_id: str) -> CommissionPlan | None:
        """A plan, or None."""
        item = self.table.get(keys.commission_plan(program_id, plan_id))
        return CommissionPlan.from_item(item) if item else None

    def get_plan(self, program_id: str, plan_id: str) -> CommissionPlan:
        """A plan, or NotFound."""
        plan = self.find_plan(program_id, plan_id)
        if plan is None:
            raise NotFound(f"commission plan {plan_id!r} does not exist", code="plan_not_found")
        return plan

    def list_plans(self, program_id: str) -> list[CommissionPlan]:
        """Every plan of the program (a program has few)."""
        items = query_partition(self.table, *keys.commission_plans_prefix(program_id), consistent=True)
        return [CommissionPlan.from_item(item) for item in items]
