"""Terminal screens and routing: the routing model, or the routes the navigate actions imply."""

from __future__ import annotations

from typing import Any

from airflow_provider_cams.flowjson.issues import Issue, Token
from airflow_provider_cams.flowjson.rules.model import Screen

MAX_BRANCHES = 10  # "Number of branches exceeds the max limit of 10 for screen" (error codes page)


def check_terminals(screens: list[Screen], out: list[Issue]) -> None:
    if not screens:
        return
    terminals = [s for s in screens if s.terminal]
    if not terminals:
        out.append(
            Issue(
                ("screens",),
                'no terminal screen (MISSING_TERMINAL_SCREEN): mark the last screen "terminal": true and '
                "give it a "
                'Footer with the "complete" action.',
                "terminal-screen",
            )
        )
    elif all(s.raw.get("success") is False for s in terminals):
        out.append(
            Issue(
                (*terminals[0].tokens, "success"),
                "At least one terminal screen must have property 'success' set as true; remove \"success\": "
                "false "
                "from the screen that means a successful outcome (the default is true).",
                "terminal-screen",
            )
        )


def _navigate_edges(screen: Screen, by_id: dict[str, Screen]) -> list[str]:
    targets: list[str] = []
    for action, _, _ in screen.actions:
        if action.get("name") == "navigate" and isinstance(action.get("next"), dict):
            target = action["next"].get("name")
            if isinstance(target, str) and target in by_id and target != screen.id and target not in targets:
                targets.append(target)
    return targets


def check_routing(
    flow: dict[str, Any], screens: list[Screen], by_id: dict[str, Screen], endpoint: bool, out: list[Issue]
) -> None:
    model = flow.get("routing_model")
    navigate = {s.id: _navigate_edges(s, by_id) for s in screens}
    if isinstance(model, dict):
        graph = _check_routing_model(model, screens, by_id, navigate, endpoint, out)
        if graph is None or not endpoint:
            return
        full = {s.id: graph.get(s.id, []) for s in screens}
        _check_graph(full, by_id, out, ("routing_model",), "routing model")
        return
    if endpoint:
        return  # missing routing_model already reported
    # Without an endpoint Meta derives the routing model from the navigate actions.
    for screen in screens:
        if len(navigate[screen.id]) > MAX_BRANCHES:
            out.append(
                Issue(
                    (*screen.tokens, "layout"),
                    f"Number of branches exceeds the max limit of {MAX_BRANCHES} for screen: {screen.id}. "
                    "Reduce "
                    "navigate actions for the screen.",
                    "routing-model",
                )
            )
    if len(screens) < 2:
        return
    graph = dict(navigate)
    if not any(all(s not in targets for targets in graph.values()) for s in graph):
        out.append(
            Issue(
                ("screens",),
                "No entry screen found in the routing model. Add a screen that is not used as the next "
                "screen in "
                "any of the navigate actions (Meta derives the routes from navigate actions).",
                "routing-model",
            )
        )
    lost = _disconnected(graph, screens[0].id)
    if lost:
        out.append(
            Issue(
                (*by_id[lost[0]].tokens, "id"),
                "Following screens are not connected with the rest of the screens via navigate screen "
                "action: "
                f"{', '.join(lost)}. All screens should be connected: add navigate actions to them, or "
                "remove them.",
                "routing-model",
            )
        )


def _check_routing_model(
    model: dict[str, Any],
    screens: list[Screen],
    by_id: dict[str, Screen],
    navigate: dict[str, list[str]],
    endpoint: bool,
    out: list[Issue],
) -> dict[str, list[str]] | None:
    graph: dict[str, list[str]] = {}
    ok = True
    for source, targets in model.items():
        if source not in by_id:
            out.append(
                Issue(
                    ("routing_model", source),
                    f'Invalid screens found in the routing model: "{source}" is no screen id; existing: '
                    f"{', '.join(by_id)}. Fix or remove the entry.",
                    "routing-model",
                    at_key=True,
                )
            )
            ok = False
            continue
        if not isinstance(targets, list):
            continue  # the schema reports the type
        graph[source] = []
        if len(targets) > MAX_BRANCHES:
            out.append(
                Issue(
                    ("routing_model", source),
                    f"Number of branches exceeds the max limit of {MAX_BRANCHES} for screen: {source}; "
                    f"it has {len(targets)}. Split the choice over more screens.",
                    "routing-model",
                )
            )
        for index, target in enumerate(targets):
            if not isinstance(target, str):
                continue
            if target == source:
                out.append(
                    Issue(
                        ("routing_model", source, index),
                        f'route from "{source}" to itself: a route cannot be the current screen; remove it.',
                        "routing-model",
                    )
                )
            elif target not in by_id:
                out.append(
                    Issue(
                        ("routing_model", source, index),
                        f'Invalid screen found in the routing model: "{target}" is no screen id; existing: '
                        f"{', '.join(by_id)}.",
                        "routing-model",
                    )
                )
                ok = False
            elif target not in graph[source]:
                graph[source].append(target)
    if not ok:
        return None
    for screen in screens:
        routes = graph.get(screen.id, [])
        for target in navigate.get(screen.id, []):
            if target not in routes:
                out.append(
                    Issue(
                        ("routing_model", screen.id) if screen.id in model else ("routing_model",),
                        f"Missing direct route from screen '{screen.id}' to screen '{target}' in the routing "
                        "model, "
                        f"while it exists in the navigate screen action of screen '{screen.id}'. Add "
                        f'"{target}" to '
                        f'routing_model["{screen.id}"].',
                        "routing-model",
                    )
                )
    if endpoint and len(screens) > 1:  # one screen has no route to declare: {} is complete
        mentioned = set(graph) | {t for targets in graph.values() for t in targets}
        missing = [s.id for s in screens if s.id not in mentioned]
        if missing:
            out.append(
                Issue(
                    ("routing_model",),
                    f"Following screens are missing in the routing model: {', '.join(missing)}. Add each as "
                    "a key "
                    "(with its next screens, [] if none) or as a destination.",
                    "routing-model",
                )
            )
    return graph


def _check_graph(
    graph: dict[str, list[str]], by_id: dict[str, Screen], out: list[Issue], at: tuple[Token, ...], what: str
) -> None:
    order = {screen_id: n for n, screen_id in enumerate(by_id)}
    for source, targets in graph.items():
        for target in targets:
            # Of a pair A->B, B->A the forward one goes down the screens list.
            if source in graph.get(target, []) and order[source] > order[target]:
                out.append(
                    Issue(
                        (*at, source),
                        f"Backward route [{source}->{target}] corresponding to forward route "
                        f"[{target}->{source}] "
                        "is not allowed in the routing model. Only forward routes can be specified (the back "
                        f'button covers the way back); remove "{target}" from routing_model["{source}"].',
                        "routing-model",
                    )
                )
    nodes = list(by_id)
    if not any(all(n not in targets for targets in graph.values()) for n in nodes):
        out.append(
            Issue(
                at,
                f"No entry screen found in the {what}. Expected a screen with no inbound edges as the entry "
                "screen.",
                "routing-model",
            )
        )
    cycle = _find_cycle(graph)
    if len(cycle) > 3:  # a 2-screen loop is reported as a backward route
        out.append(
            Issue(
                at,
                f"Loop detected in the routing model for screens: {', '.join(cycle)}. Routes must go forward "
                "only; "
                "remove one route of the loop.",
                "routing-model",
            )
        )
    lost = _disconnected(graph, nodes[0]) if nodes else []
    if lost:
        out.append(
            Issue(
                at,
                f"Following screens are not connected with the rest of the screens: {', '.join(lost)}. All "
                "screens "
                "should be connected: add routes to them.",
                "routing-model",
            )
        )
    dead_ends = [s for s in nodes if not graph.get(s) and not by_id[s].terminal]
    if dead_ends and not cycle:
        out.append(
            Issue(
                at,
                f'routes end at non-terminal screens: {", ".join(dead_ends)}. Meta: "All routes must end at '
                "the "
                'terminal screen": mark them "terminal": true or add their next screens.',
                "routing-model",
            )
        )


def _find_cycle(graph: dict[str, list[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def _disconnected(graph: dict[str, list[str]], start: str) -> list[str]:
    """Screens not weakly connected to ``start`` (edges taken both ways)."""
    neighbours: dict[str, set[str]] = {n: set() for n in graph}
    for source, targets in graph.items():
        for target in targets:
            neighbours.setdefault(source, set()).add(target)
            neighbours.setdefault(target, set()).add(source)
    seen, todo = {start}, [start]
    while todo:
        for nxt in neighbours.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return [n for n in graph if n not in seen]
