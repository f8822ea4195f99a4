/* The C side of the FastCGI benchmark: libfcgi's FCGX_Accept_r loop answering like
 * examples/fcgi_hello (the same page), on the socket given as argv[1] (":PORT" or a path). */
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fcgi_hello_c :PORT|PATH\n");
    return 2;
  }
  FCGX_Init();
  int sock = FCGX_OpenSocket(argv[1], 128);
  if (sock < 0) {
    fprintf(stderr, "fcgi_hello_c: cannot listen on %s\n", argv[1]);
    return 1;
  }
  printf("listening on %s\n", argv[1]);
  fflush(stdout);
  FCGX_Request request;
  FCGX_InitRequest(&request, sock, 0);
  while (FCGX_Accept_r(&request) >= 0) {
    const char* method = FCGX_GetParam("REQUEST_METHOD", request.envp);
    const char* uri = FCGX_GetParam("REQUEST_URI", request.envp);
    const char* query = FCGX_GetParam("QUERY_STRING", request.envp);
    FCGX_FPrintF(request.out,
                 "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
                 "hello from ae\nmethod: %s\nuri: %s\nquery: %s\nbody: 0 bytes\n",
                 method ? method : "", uri ? uri : "", query ? query : "");
    FCGX_Finish_r(&request);
  }
  return 0;
}
