/* Reports taken from home: the mount namespace most threads are in. */
#ifndef NSP_HOME_H
#define NSP_HOME_H

#include "rt/rt.h"

/* Whether this thread moved to another mount namespace (a recorded
 * setns or unshare of that kind, its own or its creator's). */
int nsp_home_away(void);
/* At a recorded move to another mount namespace: notes, while /proc is
 * still in view, whether a seccomp filter would be in the way. */
void nsp_home_note_move(void);
/* Before a call that may move this thread to another mount namespace:
 * notes, the first time, the one the process is in. */
void nsp_home_before_move(void);
/* fn(arg) on a helper task at home while this thread waits: 0, or -1 if
 * no helper could be started (fn has not run). */
int nsp_home_run(void (*fn)(void *), void *arg);
/* The same, how: NSP_HELPER_HOME, at home; NSP_HELPER_ROOM, with room
 * for the report's descriptors in a table of the helper's own. */
#define NSP_HELPER_HOME 1
#define NSP_HELPER_ROOM 2
int nsp_helper_run(void (*fn)(void *), void *arg, int how);
/* Whether the process holds every descriptor its limit allows (a report
 * in place could open none). */
int nsp_fds_full(void);

#endif
