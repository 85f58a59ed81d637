"""Label assignment: which anchor points are positives, for which ground truth.

Read in this order: ``sampling`` (candidates), ``cost`` (IoU and class cost), ``matching`` (dynamic k,
cheapest candidates, conflicts), ``simota`` (the whole rule for one image), ``simota_batched`` (the
same for a padded batch, used in training), ``center`` (the paper's simpler rules), ``registry``
(rules by name). Every rule returns an ``AssignResult``.
"""

from yolox_edu.assign.center import center_assign, center_assign_batched, fitting_level
from yolox_edu.assign.cost import box_iou_matrix, class_cost, class_cost_dense, iou_cost, total_cost
from yolox_edu.assign.matching import dynamic_k, resolve_conflicts, select_lowest_cost, select_lowest_cost_batched
from yolox_edu.assign.registry import ANCHOR_ASSIGNER_NAMES, ASSIGNER_NAMES, assign, get_assigner
from yolox_edu.assign.result import AssignResult
from yolox_edu.assign.sampling import candidate_mask, in_box_mask, in_center_mask
from yolox_edu.assign.simota import simota_assign, simota_regions
from yolox_edu.assign.simota_batched import simota_assign_batched

__all__ = [
    "AssignResult",
    "ASSIGNER_NAMES",
    "ANCHOR_ASSIGNER_NAMES",
    "assign",
    "get_assigner",
    "simota_assign",
    "simota_assign_batched",
    "simota_regions",
    "center_assign",
    "center_assign_batched",
    "fitting_level",
    "in_box_mask",
    "in_center_mask",
    "candidate_mask",
    "box_iou_matrix",
    "iou_cost",
    "class_cost",
    "class_cost_dense",
    "total_cost",
    "dynamic_k",
    "select_lowest_cost",
    "select_lowest_cost_batched",
    "resolve_conflicts",
]
