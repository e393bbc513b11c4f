/* placeholder: replaced by the launcher work */
int main(void) { return 1; }
