"""The part of the `async_promises` package py2p 0.7's chord imports (the package is not in
Debian): `Promise(executor)` run at once on its own thread, with `.get()`, `.then()` and `.catch()`."""
from threading import Event, Thread


class Promise(object):
    def __init__(self, executor):
        self._done = Event()
        self._value = None
        self._error = None
        Thread(target=self._run, args=(executor,), daemon=True).start()

    def _run(self, executor):
        def resolve(value):
            self._value = value
            self._done.set()

        def reject(error):
            self._error = error
            self._done.set()

        try:
            executor(resolve, reject)
        except Exception as error:  # the executor's own failure rejects, as in JS
            reject(error)

    def get(self, timeout=None):
        self._done.wait(timeout)
        if self._error is not None:
            raise self._error
        return self._value

    def then(self, on_value, on_error=None):
        def executor(resolve, reject):
            try:
                resolve(on_value(self.get()))
            except Exception as error:
                if on_error is None:
                    reject(error)
                else:
                    resolve(on_error(error))
        return Promise(executor)

    def catch(self, on_error):
        return self.then(lambda value: value, on_error)
