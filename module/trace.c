// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk's trace events: their definitions, made here once from
 * module/tcmk_trace.h, which every other file includes for the calls.
 */
#define CREATE_TRACE_POINTS
#include "tcmk_trace.h"
