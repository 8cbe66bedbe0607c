/* stop: how xwing's services (serve, probe) end: on SIGTERM or SIGINT, taken
 * with sigwait by the main thread. The two signals are blocked before any
 * other thread starts, so every thread inherits the mask and none of them
 * is interrupted by a signal meant for the whole service. */
#ifndef XW_STOP_H
#define XW_STOP_H

/* Blocks SIGTERM and SIGINT in the calling thread (and the threads it starts). */
void stop_block(void);

/* Waits for SIGTERM or SIGINT, blocked by stop_block; returns which came. */
int stop_wait(void);

#endif
