/* Test driver for jobs/mailmsg.c and jobs/smtp.c: builds one message from its
 * arguments, sends it, and prints "OUTCOME<TAB>reply" on one line. Exit 0 when
 * smtp_send ran (whatever the outcome), 2 on bad usage or a refused message
 * (then "INVALID<TAB>reason"). Used by test_smtp_sender.py, never installed. */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/mailmsg.h"
#include "jobs/smtp.h"

static const char USAGE[] =
    "usage: smtp_send_tool --url URL --from MAILBOX --to ADDR --subject S --text T\n"
    "       [--html H] --message-id ID [--date UNIX] [--starttls] [--ca-file F]\n"
    "       [--user U --password P] [--timeout S]\n";

static int tool_usage(void)
{
    fputs(USAGE, stderr);
    return 2;
}

/* The envelope sender is the address inside the From mailbox. */
static void tool_envelope(const char *from, char *out, size_t outlen)
{
    const char *lt = strrchr(from, '<');
    const char *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
        snprintf(out, outlen, "%.*s", (int)(gt - lt - 1), lt + 1);
    else
        snprintf(out, outlen, "%s", from);
}

static int tool_run(const smtp_config_t *cfg, const mail_t *m)
{
    char why[256], reply[1024], envelope[512];
    char *msg = mailmsg_build(m, why, sizeof why);
    if (!msg) {
        printf("INVALID\t%s\n", why);
        return 2;
    }
    tool_envelope(m->from, envelope, sizeof envelope);
    smtp_outcome_t o = smtp_send(cfg, envelope, m->to, msg, strlen(msg), reply, sizeof reply);
    printf("%s\t%s\n", smtp_outcome_name(o), reply);
    free(msg);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option OPTS[] = {
        {"url", required_argument, 0, 'u'},        {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},         {"subject", required_argument, 0, 's'},
        {"text", required_argument, 0, 'x'},       {"html", required_argument, 0, 'h'},
        {"message-id", required_argument, 0, 'm'}, {"date", required_argument, 0, 'd'},
        {"starttls", no_argument, 0, 'S'},         {"ca-file", required_argument, 0, 'c'},
        {"user", required_argument, 0, 'U'},       {"password", required_argument, 0, 'P'},
        {"timeout", required_argument, 0, 'T'},    {0, 0, 0, 0},
    };
    smtp_config_t cfg = {.timeout_s = 10};
    mail_t m = {.date_unix = 1790000000};
    int c;
    while ((c = getopt_long(argc, argv, "", OPTS, NULL)) != -1) {
        switch (c) {
        case 'u':
            cfg.url = optarg;
            break;
        case 'f':
            m.from = optarg;
            break;
        case 't':
            m.to = optarg;
            break;
        case 's':
            m.subject = optarg;
            break;
        case 'x':
            m.text = optarg;
            break;
        case 'h':
            m.html = optarg;
            break;
        case 'm':
            m.message_id = optarg;
            break;
        case 'd':
            m.date_unix = atoll(optarg);
            break;
        case 'S':
            cfg.require_starttls = true;
            break;
        case 'c':
            cfg.ca_file = optarg;
            break;
        case 'U':
            cfg.username = optarg;
            break;
        case 'P':
            cfg.password = optarg;
            break;
        case 'T':
            cfg.timeout_s = atol(optarg);
            break;
        default:
            return tool_usage();
        }
    }
    if (!cfg.url || !m.to || optind != argc)
        return tool_usage();
    /* Once, before any thread, as smtp.h asks; the cleanup keeps LSan quiet. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    int rc = tool_run(&cfg, &m);
    curl_global_cleanup();
    return rc;
}
