#include <stdio.h>
#include <stdlib.h>

/* Singly linked list of integers with a few classic operations. */

struct node {
    int value;
    struct node *next;
};

static struct node *push_front(struct node *head, int value)
{
    struct node *n = malloc(sizeof *n);
    if (n == NULL) {
        perror("malloc");
        exit(EXIT_FAILURE);
    }
    n->value = value;
    n->next = head;
    return n;
}

static struct node *reverse(struct node *head)
{
    struct node *prev = NULL;
    while (head) {
        struct node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Removes every node whose value equals `value`, using a pointer-to-pointer
 * so the head needs no special case. */
static void remove_all(struct node **link, int value)
{
    while (*link) {
        if ((*link)->value == value) {
            struct node *dead = *link;
            *link = dead->next;
            free(dead);
        } else {
            link = &(*link)->next;
        }
    }
}

static struct node *middle(struct node *head)
{
    struct node *slow = head, *fast = head;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    return slow;
}

static struct node *merge_sorted(struct node *a, struct node *b)
{
    struct node dummy = {0, NULL}, *tail = &dummy;
    while (a && b) {
        struct node **smaller = (a->value <= b->value) ? &a : &b;
        tail->next = *smaller;
        tail = tail->next;
        *smaller = (*smaller)->next;
    }
    tail->next = a ? a : b;
    return dummy.next;
}

static void print_list(const char *label, const struct node *n)
{
    printf("%-10s", label);
    for (; n; n = n->next)
        printf(" %d", n->value);
    putchar('\n');
}

static void free_list(struct node *n)
{
    while (n) {
        struct node *next = n->next;
        free(n);
        n = next;
    }
}

int main(void)
{
    struct node *list = NULL;
    int values[] = {7, 3, 9, 3, 1, 4};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        list = push_front(list, values[i]);

    print_list("initial", list);
    list = reverse(list);
    print_list("reversed", list);
    remove_all(&list, 3);
    print_list("no 3s", list);
    printf("%-10s %d\n", "middle", middle(list)->value);

    struct node *evens = push_front(push_front(push_front(NULL, 6), 4), 2);
    struct node *odds = push_front(push_front(NULL, 5), 1);
    struct node *merged = merge_sorted(evens, odds);
    print_list("merged", merged);

    free_list(list);
    free_list(merged);
    return 0;
}
