"""Layout: turn a validated scene's relations into a collision-free arrangement.

``solve(scene, seed=None)`` returns a ``Layout``: one ``Placement`` per expanded
entity (base-centre position, rotation about Z in radians, uniform scale and the
resulting world size, the instance it rests on) and readable ``warnings``.
Pure Python (no bpy), deterministic for a given seed (``random.Random(seed)``,
``seed`` defaults to ``scene.seed``). It never raises on a scene it is given:
anything it cannot honour becomes a warning and a best-effort placement.

Conventions
-----------
The camera is at -Y looking toward +Y: *left* is -X, *right* is +X, *in front*
is -Y (closer to the camera), *behind* is +Y. Rotation 0 faces the camera (-Y);
a rotation ``r`` turns the front to the direction ``(sin r, -cos r)``.

The **footprint** of a placement is its axis-aligned XY rectangle
``[x - hx, x + hx] x [y - hy, y + hy]`` with ``(hx, hy) = Placement.half_extents``
(the bounding box of the rotated ``size``). The footprint of an *entity*
``F(E)`` is the bounding box of all its members' footprints and ``c(E)`` is the
centre of that box. ``P(E)``, the entity's reference point, is the centre of
the bounding box of its members' base centres (its position when count is 1;
independent of rotation). ``gap(P, Q)`` is the Euclidean distance between two
rectangles (0 when they touch or overlap). ``EPS = 1e-6`` m absorbs rounding.
``top(b) = b.z + KindSpec.top * b.size[2]`` (the kind's top surface, scaled).

Relation definitions (what ``check`` verifies; "A rel B", A may be a group,
and a group's relations apply to all its members)
-----------------------------------------------------------------------------
left_of      F(A).max_x <= F(B).min_x, and the Y intervals of F(A) and F(B)
             overlap or are at most LATERAL_TOL (1 m) apart.
right_of     F(A).min_x >= F(B).max_x, same Y condition.
in_front_of  F(A).max_y <= F(B).min_y, and the X intervals overlap or are at
             most LATERAL_TOL apart.
behind       F(A).min_y >= F(B).max_y, same X condition.
on           every member a has ``a.support`` = a member b of B, B's kind has a
             top surface, a.z == top(b), and a's XY centre lies inside b's
             footprint (closed). Members are spread over B's members in turn.
             A member that finds no free spot side by side is stacked: its
             ``support`` is then a member of its own group A (whose kind has a
             top surface) resting on b, directly or stacked, with the same test.
under        every member a has a member b of B with a's XY centre inside b's
             footprint, a.z <= b.z and a.z + a.height <= b.z + b.height.
             ``a.under`` names b. (Under-items rest on the ground.)
near         gap(F(A), F(B)) <= max(NEAR_MIN (2 m), 0.5 x the longest side of
             F(A) and F(B)).
next_to      gap(F(A), F(B)) <= NEXT_TO_MAX (1 m).
between      (A, B and target2 C) for every member a, with P its centre,
             p = P(B), q = P(C), L = |q - p|: the projection parameter
             t = (P-p).(q-p)/L^2 is in [0, 1] and P's distance from the line pq
             is <= max(BETWEEN_MIN (1 m), L / 4).
around       the members' centres are all at the same distance r from P(B)
             (within max(1 cm, 1 %)), and no member's footprint overlaps F(B).
facing       every member a turns its front to P(T): the angle between
             (sin a.rotation, -cos a.rotation) and P(T) - a's centre is
             <= FACING_TOL (0.02 rad); vacuous when the centres coincide.

Collision guarantee: no two footprints resting on the ground (``support`` None)
overlap by more than EPS, except an under-item and the instance it is under,
and entities whose explicit ``position`` puts them there. Items on a support
are packed inside its top surface without overlapping while they fit.

Placement rules
---------------
* Explicit ``position`` is kept exactly (a group's members are arranged around
  it); explicit entities are placed first and everything else avoids them.
* Others are placed in dependency order (targets first; ``facing`` is no
  dependency). A relation cycle is broken in document order; the relation that
  closes it is reported as a warning if the result violates it.
* Fixed anchors: ``on`` (onto the support's top), ``under`` (inside the
  target's footprint, on the ground), ``around`` (a ring centred on P(B) whose
  radius grows until it is clear of everything). Otherwise the directional
  relations form a box of allowed group centres; the group is swept along the
  relation's direction (jumping over blockers via a spatial hash) from the
  spot next to the target, trying a few sideways offsets, and the nearest
  collision-free spot wins. ``between``/``next_to``/``near`` try candidate spots
  on the segment / around the target. Entities with no relation fill rows
  left to right from the origin (wrapping behind), so scenes stay compact.
* Only ``on`` lifts things off the ground; all other relations rest on z = 0.
* Compact groups (everything but scatter) are solid for later entities (nothing
  is slipped between their members); a ring's inside is kept free. A target of
  ``around`` reserves room for the ring; targets of one ``between`` are kept
  far enough apart for the in-between entity.
* Rotation: ``facing`` wins, then the entity's ``rotation``, then the
  arrangement default (ring/around members face the centre, scatter and
  cluster members of nature/creature kinds get a random yaw), else 0.
  Entities with ``facing`` reserve a square footprint (any yaw fits).

Limits (best effort, always reported as warnings): a ``near``/``next_to`` next to
something with ``facing`` is placed with a square footprint, so it can end up a
little further than the limit; crowded targets (many near/next_to/around
dependants, things hemmed in by a scatter) may leave no room within the limits.

Group arrangements (count > 1) and defaults
-------------------------------------------
row      along X, centred, ROW_GAP (0.5 m) apart; fences and walls touch.
grid     ceil(sqrt(n)) columns, ROW_GAP apart.
ring     on a circle sized so neighbours do not touch, facing the centre.
cluster  jittered hex packing in a wide ellipse, tight (0.2 m + 25 %).
scatter  jittered hex packing, loose (0.4 m + 70 %) - natural look.
Default: nature kinds -> scatter, creatures -> cluster, fence/wall -> row,
other kinds -> row up to 8 members, grid beyond.

Modules
-------
geometry  tolerances, ``Placement``/``Layout``, rectangle helpers, the spatial hash.
solver    ``solve``: reads the scene, orders the entities, places each, turns
          ``facing`` members last.
verify    ``check``: the relation definitions above, as code.
"""
from __future__ import annotations

from .geometry import (AROUND_TOL, BETWEEN_MIN, CLEAR, DIR_GAP_MAX, DIR_GAP_MIN, DIRECTIONAL, EPS,
                       FACING_TOL, FREE_GAP, LATERAL_TOL, MAX_INSTANCES, NEAR_MIN, NEXT_TO_MAX, ROW_GAP,
                       SURFACE_CLEAR, Layout, Placement, facing_rotation, interval_gap, rect_gap,
                       rects_overlap, union_rect)
from .solver import solve
from .verify import check, group_ends, ref_point

__all__ = [
    "AROUND_TOL", "BETWEEN_MIN", "CLEAR", "DIR_GAP_MAX", "DIR_GAP_MIN", "DIRECTIONAL", "EPS", "FACING_TOL",
    "FREE_GAP", "LATERAL_TOL", "MAX_INSTANCES", "NEAR_MIN", "NEXT_TO_MAX", "ROW_GAP", "SURFACE_CLEAR",
    "Layout", "Placement", "check", "facing_rotation", "group_ends", "interval_gap", "rect_gap",
    "rects_overlap", "ref_point", "solve", "union_rect",
]
