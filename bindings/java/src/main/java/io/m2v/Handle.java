package io.m2v;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * A C handle shared by threads: calls run under the read lock, close() takes the write lock, so
 * close() waits for calls in progress and later calls throw M2V_ERR_INVALID_ARGUMENT. A handle
 * the program forgets is freed by a {@link Cleaner} once its owner is unreachable.
 */
final class Handle {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The state the cleaner action sees: not the owner, so the owner can become unreachable. */
    private static final class State implements Runnable {
        long pointer;
        final LongConsumer free;

        State(long pointer, LongConsumer free) {
            this.pointer = pointer;
            this.free = free;
        }

        @Override
        public void run() {
            long p = pointer;
            pointer = 0;
            if (p != 0) free.accept(p);
        }
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String what;

    Handle(Object owner, long pointer, LongConsumer free, String what) {
        this.state = new State(pointer, free);
        this.cleanable = CLEANER.register(owner, state);
        this.what = what;
    }

    /** Runs body with the pointer under the read lock. `owner` is kept reachable until the call
     * returns, so the cleaner cannot free the pointer while native code uses it. */
    <T> T call(Object owner, LongFunction<T> body) {
        lock.readLock().lock();
        try {
            if (state.pointer == 0) throw M2VException.invalidArgument("the " + what + " is closed");
            return body.apply(state.pointer);
        } finally {
            lock.readLock().unlock();
            Reference.reachabilityFence(owner);
        }
    }

    void close() {
        lock.writeLock().lock();
        try {
            cleanable.clean(); // runs State.run once: frees the pointer and zeroes it
        } finally {
            lock.writeLock().unlock();
        }
    }
}
