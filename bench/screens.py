"""Screenshots of the built app's pages at a phone's width and a desktop's, to look at (Chromium, Playwright).

    .venv/bin/python bench/screens.py [--out screens/] [--workspace water-tanks]

Builds the example's app with its reference components (bench/references/, no model), keeps a few records,
serves it with `python -m app serve`, and saves each page: the first page, a source collection with its
forms, the same after a wrong value, a record being changed, a result, a delete asking first and the record
kept aside after it, and (at a phone's width) the sign-in page another machine meets.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402
from specs.render import component_module, render_app, write_files  # noqa: E402
from references import reference_file  # noqa: E402
from tests.browser import browser, served, this_machines_address  # noqa: E402

WIDTHS = {"phone": (390, 844), "desktop": (1280, 860)}


def build_with_references(example: Path, root: Path) -> None:
    import shutil

    shutil.copytree(example, root)
    workspace = load_workspace(root)
    design = infer_design(workspace.project, workspace.requirements)
    files = render_app(design, workspace.project.name, {"description": workspace.project.description,
                                                        "collections": workspace.project.model_dump()["collections"],
                                                        "requirements": [r.model_dump() for r in workspace.requirements]})
    source = reference_file(example).read_text(encoding="utf-8")
    for component in design.components:
        reads = ", ".join(component.reads)
        files[component.path] = component_module(component, design, source + f"""

def run({reads}):
    from app.runner import to_plain  # the references are written for records as the files hold them: ISO text
    given = {{name: to_plain(records) for name, records in dict({", ".join(f"{r}={r}" for r in component.reads)}).items()}}
    made = {component.name}
    return made(**{{p: given.get(p, []) for p in __import__("inspect").signature(made).parameters}})
""", ["Reference."])
    write_files(root, files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screens"))
    parser.add_argument("--workspace", default="water-tanks")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="shall-screens-") as scratch:
        root = Path(scratch) / args.workspace
        build_with_references(HERE.parent / "examples" / args.workspace, root)
        workspace = load_workspace(root)
        keyed = infer_design(workspace.project, workspace.requirements).keys
        example = workspace.requirements[-1].visible_examples[0]
        with served(root) as address, browser() as chromium:
            for width, (w, h) in WIDTHS.items():
                page = chromium.new_page(viewport={"width": w, "height": h})
                # some records, as a person would add them: the ones others name (the tanks) first
                for name in sorted(example.given, key=lambda n: n not in keyed):
                    for record in example.given[name][:3] if width == "phone" else []:
                        page.request.post(f"{address}/api/collections/{name}", data=record)
                first_source, first_result = next(iter(example.given)), next(iter(example.then))
                shots = [("first-page", "/"), *((f"source-{n}", f"/collections/{n}") for n in example.given),
                         ("result", f"/collections/{first_result}"), ("change", f"/collections/{first_source}/1")]
                for shot, path in shots:
                    page.goto(address + path)
                    page.screenshot(path=str(args.out / f"{width}-{shot}.png"), full_page=True)
                page.goto(f"{address}/collections/{first_source}")
                numeric = page.locator("form[action$='/add'] input[type=number]").first
                if numeric.count():
                    numeric.fill("1.5")
                page.click("form[action$='/add'] button[type=submit]")
                page.screenshot(path=str(args.out / f"{width}-wrong-value.png"), full_page=True)
                page.goto(f"{address}/collections/{first_source}/1/delete")
                page.screenshot(path=str(args.out / f"{width}-delete-asks.png"), full_page=True)
                if page.locator("button:has-text('Delete it')").count():
                    page.click("button:has-text('Delete it')")
                    page.screenshot(path=str(args.out / f"{width}-deleted-lately.png"), full_page=True)
                page.close()
            away = this_machines_address()
            if away:  # what another machine sees first: the sign-in page
                with served(root, "--host", "0.0.0.0", "--token", "s3cret", address=away) as remote:
                    page = chromium.new_page(viewport={"width": WIDTHS["phone"][0], "height": WIDTHS["phone"][1]})
                    page.goto(remote + "/")
                    page.fill("#token", "wrong")
                    page.click("button:has-text('Sign in')")
                    page.screenshot(path=str(args.out / "phone-sign-in.png"), full_page=True)
                    page.close()
    print(f"Saved {len(list(args.out.glob('*.png')))} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
