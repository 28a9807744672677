"""A photo's hint points as edited: add, move, drag, recolour, remove, undo and redo (no widgets)."""

from __future__ import annotations

from desktop.hint_edits import UNDO_LIMIT, HintEdits, hex_colour

RED, BLUE, GREEN = (200, 30, 30), (30, 60, 220), (40, 180, 60)


def test_add_selects_the_new_point_and_later_points_lie_on_top():
    edits = HintEdits()
    first = edits.add(10, 20, RED)
    second = edits.add(10, 20, BLUE)
    third = edits.add(14, 20, GREEN)
    assert [p.rgb for p in edits.points] == [RED, BLUE, GREEN]
    assert edits.selected == third.id
    assert edits.nearest(10, 20, radius=3) == second  # the topmost of two points in the same place
    assert edits.nearest(13, 20, radius=3) == third  # the nearest
    assert edits.nearest(50, 50, radius=3) is None
    assert edits.as_tuples() == [(10.0, 20.0, RED), (10.0, 20.0, BLUE), (14.0, 20.0, GREEN)]
    assert first.id != second.id


def test_each_edit_is_one_undo_step_and_redo_replays_it():
    edits = HintEdits()
    point = edits.add(5, 5, RED)
    edits.move(point.id, 8, 9)
    edits.recolour(point.id, GREEN)
    assert edits.as_tuples() == [(8.0, 9.0, GREEN)]
    assert edits.undo() and edits.as_tuples() == [(8.0, 9.0, RED)]
    assert edits.undo() and edits.as_tuples() == [(5.0, 5.0, RED)]
    assert edits.undo() and edits.as_tuples() == []
    assert not edits.undo() and not edits.can_undo
    assert edits.redo() and edits.redo() and edits.as_tuples() == [(8.0, 9.0, RED)]
    edits.recolour(point.id, BLUE)  # a new edit forgets what could be redone
    assert not edits.can_redo


def test_a_drag_is_one_step_however_many_moves():
    edits = HintEdits()
    point = edits.add(0, 0, RED)
    revision = edits.revision
    edits.begin_drag(point.id)
    for x in range(1, 30):
        assert edits.drag_to(x, x // 2)
    assert edits.revision == revision + 29  # every move is a new revision for the preview
    assert edits.end_drag()
    assert edits.as_tuples() == [(29.0, 14.0, RED)]
    edits.undo()
    assert edits.as_tuples() == [(0.0, 0.0, RED)]


def test_a_drag_that_goes_nowhere_leaves_no_step():
    edits = HintEdits()
    point = edits.add(3, 3, RED)
    edits.begin_drag(point.id)
    assert not edits.drag_to(3, 3)
    assert not edits.end_drag()
    edits.undo()
    assert edits.as_tuples() == []  # the undo took back the add, not an empty drag


def test_remove_clear_and_their_undo():
    edits = HintEdits()
    a = edits.add(1, 1, RED)
    edits.add(2, 2, BLUE)
    assert edits.remove(a.id) and [p.rgb for p in edits.points] == [BLUE]
    assert not edits.remove(a.id)  # already gone
    assert edits.clear() and len(edits) == 0 and edits.selected is None
    assert not edits.clear()
    edits.undo()
    assert [p.rgb for p in edits.points] == [BLUE]
    edits.undo()
    assert [p.rgb for p in edits.points] == [RED, BLUE]


def test_undo_drops_a_selection_of_a_point_it_takes_away():
    edits = HintEdits()
    point = edits.add(1, 1, RED)
    assert edits.selected == point.id
    edits.undo()
    assert edits.selected is None and edits.selected_point is None


def test_history_is_bounded():
    edits = HintEdits()
    point = edits.add(0, 0, RED)
    for x in range(UNDO_LIMIT + 20):
        edits.move(point.id, x + 1, 0)
    undone = 0
    while edits.undo():
        undone += 1
    assert undone == UNDO_LIMIT


def test_replace_all_is_one_step_and_colours_are_checked():
    edits = HintEdits([(1, 2, RED)])
    edits.replace_all([(3, 4, BLUE), (5, 6, GREEN)])
    assert edits.as_tuples() == [(3.0, 4.0, BLUE), (5.0, 6.0, GREEN)]
    edits.undo()
    assert edits.as_tuples() == [(1.0, 2.0, RED)]
    try:
        edits.add(0, 0, (256, 0, 0))
    except ValueError as exc:
        assert "sRGB" in str(exc)
    else:
        raise AssertionError("an out-of-range colour was accepted")
    assert hex_colour((160, 196, 255)) == "#a0c4ff"


def test_each_step_is_told_once_a_drag_at_its_end():
    """Whoever orders the photo's hint edits with its other edits (its strength's) hears of each step as it is made."""
    steps = []
    edits = HintEdits(on_step=lambda: steps.append(len(edits)))
    point = edits.add(5, 5, RED)
    edits.recolour(point.id, BLUE)
    assert steps == [1, 1]
    edits.begin_drag(point.id)
    edits.drag_to(7, 7)
    edits.drag_to(9, 9)
    assert steps == [1, 1]
    edits.end_drag()
    assert steps == [1, 1, 1]
    edits.undo()
    edits.redo()
    assert steps == [1, 1, 1]  # undoing and redoing make no step
    edits.undo()
    edits.forget_redo()  # another edit of the photo came first
    assert not edits.can_redo
