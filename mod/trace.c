// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: where the trace events (trace.h) are defined.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
