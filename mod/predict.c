// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool: predicting when a VM runs next, from when it ran before and
 * from the timers its threads sleep on.
 *
 * The history is a ring of the last %VMPOOL_PREDICT_HISTORY periods, each
 * an active period (some attached thread ran) and the idle period after
 * it.  When the VM stops running, up to three rules each give a start for
 * the next active period:
 *
 *   idle:   now + the median idle period          (a thread that sleeps a
 *                                                  fixed time)
 *   cycle:  start of the period that just ended   (a thread that wakes at
 *           + the median start-to-start length     fixed times)
 *   timer:  the earliest expiry of the timers the  (a thread that sleeps
 *           VM's threads armed to wake up          until a time it chose)
 *
 * The timer rule is the kernel's own statement of when a sleeping thread
 * wakes, whatever the pattern; it is late when an event (I/O, a signal, an
 * IPI) wakes the VM first, and the history rules may then do better.
 *
 * Medians, not means: a single long stall does not move them.  Every rule
 * is scored at every activation, chosen or not.  The rule kept is the one
 * that predicted, or for the history rules would have predicted, more of
 * the remembered periods within the tolerance, and that share is the
 * confidence.  A VM that wakes at random gets a low confidence, whatever
 * the rule, rather than a confident wrong answer.  The length of the next
 * active period is the median active period.
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

/* Remembered periods the timer rule predicted within the tolerance. */
static unsigned int vmpool_timer_near(const struct vmpool_predictor *p)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->count; i++)
		n += p->timer_hit[i];
	return n;
}

/*
 * Predict the next active period; the VM stopped running at @now, and its
 * earliest wake-up timer expires at @timer (0: none).
 */
static void vmpool_predict_make(struct vmpool_predictor *p, u64 now, u64 timer)
{
	unsigned int near[VMPOOL_PREDICT_RULES] = {};
	unsigned int rule, best;
	u64 idle, cycle;

	p->pending = false;
	p->basis = VMPOOL_PREDICT_NONE;
	p->confidence = 0;
	for (rule = 0; rule < VMPOOL_PREDICT_RULES; rule++)
		p->rule_start[rule] = 0;
	if (timer > now)
		p->rule_start[VMPOOL_PREDICT_TIMER] = timer;
	if (p->count < VMPOOL_PREDICT_MIN)
		return;

	idle = vmpool_median(p->idle_len, p->count);
	cycle = vmpool_median(p->cycle_len, p->count);
	p->rule_start[VMPOOL_PREDICT_IDLE] = now + idle;
	near[VMPOOL_PREDICT_IDLE] = vmpool_near(p, p->idle_len, idle);
	/* A cycle that ends before now predicts nothing. */
	if (p->active_start + cycle > now) {
		p->rule_start[VMPOOL_PREDICT_CYCLE] = p->active_start + cycle;
		near[VMPOOL_PREDICT_CYCLE] = vmpool_near(p, p->cycle_len, cycle);
	}
	if (p->rule_start[VMPOOL_PREDICT_TIMER])
		near[VMPOOL_PREDICT_TIMER] = vmpool_timer_near(p);

	/*
	 * The best record.  On a tie, idle before cycle (with a fixed active
	 * period they are the same rule), and the timer before either: it is
	 * the kernel's word, not an estimate.
	 */
	best = VMPOOL_PREDICT_IDLE;
	if (p->rule_start[VMPOOL_PREDICT_CYCLE] &&
	    near[VMPOOL_PREDICT_CYCLE] > near[best])
		best = VMPOOL_PREDICT_CYCLE;
	if (p->rule_start[VMPOOL_PREDICT_TIMER] &&
	    near[VMPOOL_PREDICT_TIMER] >= near[best])
		best = VMPOOL_PREDICT_TIMER;

	p->basis = best;
	p->next_start = p->rule_start[best];
	p->confidence = near[best] * VMPOOL_PREDICT_CONF_MAX / p->count;
	p->next_len = vmpool_median(p->active_len, p->count);
	p->issued = now;
	p->pending = true;
}

/* Whether @start is within the tolerance of the real start @now. */
static bool vmpool_predict_hit(const struct vmpool_predictor *p, u64 start,
			       u64 now)
{
	return start && vmpool_abs_diff(now, start) <= p->tolerance_ns;
}

/* The VM started running at @now: score the predictions that waited. */
static void vmpool_predict_score(struct vmpool_predictor *p, u64 now)
{
	struct vmpool_predict_score *s = &p->score;
	unsigned int rule;
	u64 err;
	bool hit;

	s->activations++;
	for (rule = VMPOOL_PREDICT_IDLE; rule < VMPOOL_PREDICT_RULES; rule++) {
		if (!p->rule_start[rule])
			continue;
		s->rule_predictions[rule]++;
		s->rule_hits[rule] += vmpool_predict_hit(p, p->rule_start[rule], now);
	}
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
				  u64 idle, u64 cycle, bool timer_hit)
{
	p->active_len[p->next] = active;
	p->idle_len[p->next] = idle;
	p->cycle_len[p->next] = cycle;
	p->timer_hit[p->next] = timer_hit;
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
			      now - p->active_start,
			      vmpool_predict_hit(p, p->rule_start[VMPOOL_PREDICT_TIMER],
						 now));
	vmpool_predict_score(p, now);
	p->active_start = now;
}

/**
 * vmpool_predict_stop - the VM stopped running
 * @p: its predictor.
 * @now: the time, on the clock of vmpool_predict_start().
 * @timer: the earliest expiry, on that clock, of the timers armed to wake
 *	the VM's threads; 0 if none is known.
 *
 * Predicts the next active period.
 */
void vmpool_predict_stop(struct vmpool_predictor *p, u64 now, u64 timer)
{
	if (!p->active)
		return;
	p->active = false;
	p->stop = now < p->active_start ? p->active_start : now;
	vmpool_predict_make(p, p->stop, timer);
}
