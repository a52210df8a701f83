"""Admin routes: the program's settings and commission plans."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam

from shared.context import get_context
from shared.core.api import dump, json_response
from shared.core.openapi import returns
from shared.programs import service as programs

router = Router()


@router.get("/admin/program", responses=returns("shared.programs.models:Program"))
def read_program():
    ctx = get_context()
    return json_response(dump(ctx.programs.get(ctx.program_id)))


@router.put("/admin/program", responses=returns("shared.programs.models:Program"))
def put_program(settings: Annotated[programs.ProgramSettings, Body()]):
    return json_response(dump(programs.save_program(get_context(), settings)))


@router.post("/admin/plans", responses=returns("shared.programs.models:CommissionPlan", 201))
def create_plan(plan: Annotated[programs.PlanInput, Body()]):
    return json_response(dump(programs.create_plan(get_context(), plan)), 201)


@router.get("/admin/plans", responses=returns("shared.programs.responses:PlanList"))
def list_plans():
    ctx = get_context()
    return json_response({"items": dump(ctx.programs.list_plans(ctx.program_id))})


@router.get("/admin/plans/<plan_id>", responses=returns("shared.programs.models:CommissionPlan"))
def read_plan(plan_id: Annotated[str, PathParam(max_length=64)]):
    ctx = get_context()
    return json_response(dump(ctx.programs.get_plan(ctx.program_id, plan_id)))
