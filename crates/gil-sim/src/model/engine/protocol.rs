//! What each event does: CPython 3.12's `take_gil`, `drop_gil` and eval-loop checkpoint
//! (Python/ceval_gil.c), the legacy lock's release-and-retake, and the thread's own program of
//! steps. Mirrors `crate::gil` step for step, in virtual time.

use std::time::Duration;

use lesson_kit::State;

use super::{AfterSwitch, DropReason, Engine, Phase, nanos};
use crate::mode::Mode;
use crate::model::Step;

impl Engine<'_> {
    /// Thread `i`'s event is due now: do what it does.
    pub(super) fn handle(&mut self, i: usize) {
        match self.threads[i].phase {
            // Attaching: `take_gil` for the first time.
            Phase::Start => self.take_gil(i),
            Phase::Waiting {
                saved_switch,
                deadline,
                woken_at,
                queued,
            } => {
                // Awake, by a signal or by the timeout. The `take_gil` loop in ceval_gil.c:
                let timed_out = deadline.is_some_and(|d| self.now >= d);
                let recheck = nanos(self.config.recheck_cost);
                if timed_out && woken_at.is_none() && recheck > 0 {
                    // Woken by its own timer: it needs a core to get back into the loop.
                    self.threads[i].phase = Phase::Rechecking {
                        left: recheck,
                        saved_switch,
                        queued,
                    };
                } else {
                    self.recheck(i, saved_switch, timed_out);
                }
            }
            Phase::Rechecking { saved_switch, .. } => self.recheck(i, saved_switch, true),
            Phase::SwitchWait { then, .. } => match then {
                AfterSwitch::TakeGil => self.take_gil(i),
                AfterSwitch::StartDetached => self.start_detached(i),
            },
            Phase::Computing { left, .. } => {
                if left == 0 {
                    self.next_step(i);
                } else {
                    self.checkpoint(i);
                }
            }
            Phase::Native { .. } => self.next_step(i),
            // The waiter has been signalled: `PyThread_acquire_lock` at once.
            Phase::Signalling { .. } => self.take_gil(i),
            Phase::Io { .. } => {
                // The answer is in: `Py_END_ALLOW_THREADS`, queue for the GIL like anyone else.
                self.threads[i].io_done_at = Some(self.now);
                self.threads[i].step += 1;
                self.take_gil(i);
            }
            Phase::Done => {}
        }
    }

    /// The body of the `take_gil` loop once awake: on a timeout with no switch since the wait
    /// began, set the drop request; then wait again, or take the GIL if it is free.
    fn recheck(&mut self, i: usize, saved_switch: u64, timed_out: bool) {
        if timed_out && self.locked && self.switch_number == saved_switch {
            // A whole interval and no switch: ask the holder to let go.
            self.drop_request = true;
            self.drop_requests += 1;
        }
        if self.locked {
            self.wait_for_gil(i);
        } else {
            self.acquire(i);
        }
    }

    /// A checkpoint where the holder acts: a drop request (new GIL) or its 100th tick (legacy).
    fn checkpoint(&mut self, i: usize) {
        self.threads[i].resume = Some(self.threads[i].phase);
        match self.config.mode {
            Mode::Cpython312 => self.drop_gil(i, DropReason::Yield),
            Mode::Legacy => {
                // Release and re-request at once, no questions asked. But with a thread asleep on
                // the lock, the release must wake it (`sem_post` → `futex_wake`): a system call
                // the releaser pays, every 101 ticks, before it can ask again. The waiter, woken,
                // usually finds the lock taken and sleeps again: a failed acquisition, paid for
                // by the holder's time. That is the battle's cost.
                let wakes_a_waiter = self.someone_else_waits(i);
                self.drop_gil(i, DropReason::Yield);
                let signal_cost = nanos(self.config.signal_cost);
                if wakes_a_waiter && signal_cost > 0 {
                    self.threads[i].phase = Phase::Signalling {
                        until: self.now + signal_cost,
                    };
                } else {
                    self.take_gil(i);
                }
            }
            Mode::FreeThreaded
            | Mode::FreeThreaded313
            | Mode::FreeThreaded314
            | Mode::PerInterpreter => {}
        }
    }

    /// `take_gil`: take the GIL if it is free, or start waiting for it.
    fn take_gil(&mut self, i: usize) {
        if !self.shared_gil() || !self.locked {
            self.acquire(i);
        } else {
            self.wait_for_gil(i);
        }
    }

    /// One round of the `while (gil->locked)` loop: a timed wait of one switch interval (no
    /// timeout in legacy mode), remembering the switch number to compare with on timeout.
    fn wait_for_gil(&mut self, i: usize) {
        let timeout =
            nanos(self.config.switch_interval).max(1_000) + nanos(self.config.timer_slack);
        let deadline = (self.config.mode == Mode::Cpython312).then(|| self.now + timeout);
        // A thread keeps its place in the queue from its first round of the loop: see
        // `signal_one_waiter`.
        let queued = match self.threads[i].phase {
            Phase::Waiting { queued, .. } | Phase::Rechecking { queued, .. } => queued,
            _ => {
                self.next_queue_ticket += 1;
                self.next_queue_ticket
            }
        };
        self.threads[i].phase = Phase::Waiting {
            saved_switch: self.switch_number,
            deadline,
            woken_at: None,
            queued,
        };
        self.show(i, Some(State::WaitingForGil));
    }

    /// Whether a thread other than `i` is waiting for the GIL (asleep, or woken and not yet
    /// running).
    fn someone_else_waits(&self, i: usize) -> bool {
        self.threads
            .iter()
            .enumerate()
            .any(|(j, t)| j != i && matches!(t.phase, Phase::Waiting { .. }))
    }

    /// The end of `take_gil`: this thread holds the GIL.
    fn acquire(&mut self, i: usize) {
        if self.shared_gil() {
            if self.last_holder == Some(i) && self.someone_else_waits(i) {
                self.retakes += 1;
            }
            // A legacy releaser still in its wake-up call has lost the lock: from now on it
            // waits for it (its running span ends here, not when it gets round to asking).
            for j in 0..self.threads.len() {
                if j != i && matches!(self.threads[j].phase, Phase::Signalling { .. }) {
                    self.show(j, Some(State::WaitingForGil));
                }
            }
            self.locked = true;
            self.holder = Some(i);
            if self.last_holder != Some(i) {
                self.last_holder = Some(i);
                self.switch_number += 1;
            }
            // FORCE_SWITCHING: signal `switch_cond`, waking a dropper waiting for this switch.
            let now = self.now;
            for thread in &mut self.threads {
                if let Phase::SwitchWait { woken_at, .. } = &mut thread.phase
                    && woken_at.is_none()
                {
                    *woken_at = Some(now);
                }
            }
            self.drop_request = false;
        }
        if let Some(io_done) = self.threads[i].io_done_at.take() {
            self.threads[i]
                .wake_latencies
                .push(Duration::from_nanos(self.now - io_done));
        }
        match self.threads[i].resume.take() {
            Some(computing) => {
                self.threads[i].phase = computing;
                self.show(i, Some(State::Running));
            }
            None => self.start_step(i),
        }
    }

    /// `drop_gil`: free the GIL, signal one waiter, and (FORCE_SWITCHING) wait for the switch if
    /// we dropped because somebody asked.
    fn drop_gil(&mut self, i: usize, why: DropReason) {
        if !self.shared_gil() {
            return self.after_drop(i, why);
        }
        self.locked = false;
        self.holder = None;
        self.signal_one_waiter();
        let force_switch = self.config.mode == Mode::Cpython312
            && self.config.force_switching
            && why != DropReason::Final
            && self.drop_request
            && self.last_holder == Some(i);
        if force_switch {
            self.drop_request = false;
            let then = match why {
                DropReason::BeforeDetached => AfterSwitch::StartDetached,
                _ => AfterSwitch::TakeGil,
            };
            self.threads[i].phase = Phase::SwitchWait {
                woken_at: None,
                then,
            };
            self.show(i, Some(State::WaitingForGil));
        } else {
            self.after_drop(i, why);
        }
    }

    /// What a thread does once it has dropped the GIL and need not wait for a switch.
    fn after_drop(&mut self, i: usize, why: DropReason) {
        match why {
            // Legacy mode re-takes in `checkpoint`; the new GIL without forced switching, here.
            DropReason::Yield if self.config.mode == Mode::Cpython312 => self.take_gil(i),
            DropReason::Yield => {}
            DropReason::BeforeDetached => self.start_detached(i),
            DropReason::Final => self.finish(i),
        }
    }

    /// COND_SIGNAL(gil->cond): wake one waiter — the one that has wanted the GIL longest.
    ///
    /// POSIX (and glibc) promise no order. A strict queue of condition-variable waits, where a
    /// thread whose timed wait ran out goes to the back, was tried and rejected: with the model's
    /// perfectly regular timing it starves an I/O thread forever between two CPU threads, which
    /// a real machine's jitter never sustains. Longest-wanting-first starves nobody.
    fn signal_one_waiter(&mut self) {
        let now = self.now;
        let longest = self
            .threads
            .iter_mut()
            .filter_map(|t| match &mut t.phase {
                Phase::Waiting {
                    woken_at: woken @ None,
                    queued,
                    ..
                } => Some((*queued, woken)),
                _ => None,
            })
            .min_by_key(|(queued, _)| *queued);
        if let Some((_, woken)) = longest {
            *woken = Some(now);
        }
    }

    // The thread's program: its steps, one after another.

    /// Holding the GIL (or needing none), start the current step.
    fn start_step(&mut self, i: usize) {
        let cost = self.checkpoint_cost();
        match self.threads[i].steps.get(self.threads[i].step).copied() {
            None => self.drop_gil(i, DropReason::Final),
            Some(Step::Compute { checkpoints }) => {
                self.threads[i].phase = Phase::Computing {
                    left: checkpoints.saturating_mul(cost),
                    done: 0,
                };
                self.show(i, Some(State::Running));
            }
            Some(Step::Native {
                duration,
                releases_gil: false,
            }) => {
                self.threads[i].phase = Phase::Native {
                    left: nanos(duration),
                };
                self.show(i, Some(State::Running));
            }
            // `Py_BEGIN_ALLOW_THREADS`: drop the GIL first.
            Some(Step::Io { .. } | Step::Native { .. }) => {
                self.drop_gil(i, DropReason::BeforeDetached)
            }
        }
    }

    /// Start the current step, which runs without the GIL.
    fn start_detached(&mut self, i: usize) {
        match self.threads[i].steps.get(self.threads[i].step).copied() {
            Some(Step::Io { duration }) => {
                // A blocking wait puts the thread to sleep in the kernel: when the answer arrives
                // it must be woken (a wake-up) before it can even ask for the GIL again. A call
                // that does not block (zero length: a send into an empty buffer) never sleeps.
                let wake_up = if duration.is_zero() {
                    0
                } else {
                    nanos(self.config.wake_latency)
                };
                self.threads[i].phase = Phase::Io {
                    until: self.now + nanos(duration) + wake_up,
                };
                self.show(i, Some(State::WaitingForIo));
            }
            Some(Step::Native { duration, .. }) => {
                self.threads[i].phase = Phase::Native {
                    left: nanos(duration),
                };
                self.show(i, Some(State::Running));
            }
            _ => self.start_step(i),
        }
    }

    /// The current step is over. A step that held the GIL ends at a checkpoint (a call return);
    /// one that ran detached queues for the GIL.
    fn next_step(&mut self, i: usize) {
        let detached = matches!(
            self.threads[i].steps.get(self.threads[i].step),
            Some(Step::Native {
                releases_gil: true,
                ..
            })
        );
        self.threads[i].step += 1;
        if detached {
            self.take_gil(i);
        } else if self.config.mode == Mode::Cpython312 && self.drop_request {
            self.drop_gil(i, DropReason::Yield);
        } else {
            self.start_step(i);
        }
    }

    fn finish(&mut self, i: usize) {
        self.threads[i].phase = Phase::Done;
        self.threads[i].finished_at = self.now;
        self.show(i, None);
    }
}
