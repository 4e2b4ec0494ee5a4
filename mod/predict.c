// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: predicting when a VM runs next, from when it ran before.
 *
 * The history is a ring of the last %VMPOOL_PREDICT_HISTORY periods, each
 * an active period (some attached thread ran) and the idle period after
 * it.  When the VM stops running, two rules each give a start for the next
 * active period:
 *
 *   idle:   now + the median idle period          (a thread that sleeps a
 *                                                  fixed time)
 *   cycle:  start of the period that just ended   (a thread that wakes at
 *           + the median start-to-start length     fixed times)
 *
 * Medians, not means: a single long stall does not move them.  The rule
 * kept is the one that would have predicted more of the remembered periods
 * within the tolerance, and that share is the confidence.  A VM that wakes
 * at random gets a low confidence, whatever the rule, rather than a
 * confident wrong answer.  The length of the next active period is the
 * median active period.
 *
 * A pause shorter than min_idle_ns (the thread was preempted, or waited
 * briefly on a lock) does not end the active period.
 *
 * Each call is O(VMPOOL_PREDICT_HISTORY): three medians of 16 values, in
 * place on the stack, with no allocation; the scheduler probe calls it
 * with the runqueue lock held.
 */
#include "predict.h"

/**
 * vmpool_predict_init - start a predictor with no history
 * @p: the predictor.
 * @tolerance_ns: how close a predicted start must be to count as a hit.
 * @min_idle_ns: the shortest pause that ends an active period.
 */
void vmpool_predict_init(struct vmpool_predictor *p, u64 tolerance_ns,
			 u64 min_idle_ns)
{
	*p = (struct vmpool_predictor){
		.tolerance_ns = tolerance_ns,
		.min_idle_ns = min_idle_ns,
	};
}

static u64 vmpool_abs_diff(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

/* Median of the @n (at least 1) remembered values of @ring. */
static u64 vmpool_median(const u64 *ring, unsigned int n)
{
	u64 v[VMPOOL_PREDICT_HISTORY], x;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		x = ring[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	if (n & 1)
		return v[n / 2];
	return v[n / 2 - 1] + ((v[n / 2] - v[n / 2 - 1]) >> 1);
}

/* Remembered values of @ring within the tolerance of @m. */
static unsigned int vmpool_near(const struct vmpool_predictor *p,
				const u64 *ring, u64 m)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->count; i++)
		n += vmpool_abs_diff(ring[i], m) <= p->tolerance_ns;
	return n;
}

/* Predict the next active period; the VM stopped running at @now. */
static void vmpool_predict_make(struct vmpool_predictor *p, u64 now)
{
	u64 idle, cycle;
	unsigned int near_idle, near_cycle;

	p->pending = false;
	p->basis = VMPOOL_PREDICT_NONE;
	p->confidence = 0;
	if (p->count < VMPOOL_PREDICT_MIN)
		return;

	idle = vmpool_median(p->idle_len, p->count);
	cycle = vmpool_median(p->cycle_len, p->count);
	near_idle = vmpool_near(p, p->idle_len, idle);
	near_cycle = vmpool_near(p, p->cycle_len, cycle);

	/* A cycle that ends before now predicts nothing. */
	if (near_cycle > near_idle && p->active_start + cycle > now) {
		p->basis = VMPOOL_PREDICT_CYCLE;
		p->next_start = p->active_start + cycle;
		p->confidence = near_cycle * VMPOOL_PREDICT_CONF_MAX / p->count;
	} else {
		p->basis = VMPOOL_PREDICT_IDLE;
		p->next_start = now + idle;
		p->confidence = near_idle * VMPOOL_PREDICT_CONF_MAX / p->count;
	}
	p->next_len = vmpool_median(p->active_len, p->count);
	p->issued = now;
	p->pending = true;
}

/* The VM started running at @now: score the prediction that waited. */
static void vmpool_predict_score(struct vmpool_predictor *p, u64 now)
{
	struct vmpool_predict_score *s = &p->score;
	u64 err;
	bool hit;

	s->activations++;
	if (!p->pending)
		return;
	p->pending = false;
	err = vmpool_abs_diff(now, p->next_start);
	hit = err <= p->tolerance_ns;
	s->predictions++;
	s->hits += hit;
	s->abs_error_ns += err;
	s->lead_ns += now - p->issued;
	if (p->confidence >= VMPOOL_PREDICT_CONF_MAX / 2) {
		s->confident++;
		s->confident_hits += hit;
	}
}

static void vmpool_predict_record(struct vmpool_predictor *p, u64 active,
				  u64 idle, u64 cycle)
{
	p->active_len[p->next] = active;
	p->idle_len[p->next] = idle;
	p->cycle_len[p->next] = cycle;
	p->next = (p->next + 1) % VMPOOL_PREDICT_HISTORY;
	if (p->count < VMPOOL_PREDICT_HISTORY)
		p->count++;
	p->score.active_ns += active;
	p->score.idle_ns += idle;
}

/**
 * vmpool_predict_start - the VM started running
 * @p: its predictor.
 * @now: the time, in nanoseconds of a clock that never goes back.
 *
 * Ends the idle period, unless it was a pause shorter than the minimum,
 * records the period before it and scores the prediction made for it.
 */
void vmpool_predict_start(struct vmpool_predictor *p, u64 now)
{
	u64 idle;

	if (p->active)
		return;
	p->active = true;
	if (!p->started) {
		p->started = true;
		p->active_start = now;
		return;
	}
	idle = now > p->stop ? now - p->stop : 0;
	if (idle < p->min_idle_ns)
		return;
	vmpool_predict_record(p, p->stop - p->active_start, idle,
			      now - p->active_start);
	vmpool_predict_score(p, now);
	p->active_start = now;
}

/**
 * vmpool_predict_stop - the VM stopped running
 * @p: its predictor.
 * @now: the time, on the clock of vmpool_predict_start().
 *
 * Predicts the next active period from the history.
 */
void vmpool_predict_stop(struct vmpool_predictor *p, u64 now)
{
	if (!p->active)
		return;
	p->active = false;
	p->stop = now < p->active_start ? p->active_start : now;
	vmpool_predict_make(p, p->stop);
}
